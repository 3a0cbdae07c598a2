//! The backup archive: a stream that a reader checks as it goes and trusts only at its end.
//!
//! ```text
//! magic     b"CHATBKUP" and the format version (u16, big-endian)
//! records   tag 1: an entry: table name (u8 length), key (u32 length), value (u32 length)
//!           tag 2: a blob: key (u8 length), then chunks of its bytes (u32 length), the
//!                  last one empty
//! end       tag 0xFF, entry count (u64), blob count (u64), SHA-256 of every byte before it
//! ```

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use crate::store::Table;

const MAGIC: &[u8; 8] = b"CHATBKUP";
/// The archive format this version writes and reads.
pub(crate) const VERSION: u16 = 1;
const ENTRY: u8 = 1;
const BLOB: u8 = 2;
const END: u8 = 0xFF;
/// The largest chunk of a blob's bytes.
const CHUNK: usize = 64 * 1024;

/// How much an archive holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Key-value entries of the store.
    pub entries: u64,
    /// Attachments' blobs.
    pub blobs: u64,
    /// Bytes of the archive.
    pub bytes: u64,
}

/// Writes an archive, hashing what it writes.
pub(crate) struct ArchiveWriter<'w> {
    out: &'w mut dyn Write,
    hash: Sha256,
    counts: Counts,
}

impl<'w> ArchiveWriter<'w> {
    /// Starts an archive on `out`.
    pub(crate) fn start(out: &'w mut dyn Write) -> io::Result<Self> {
        let mut writer = Self {
            out,
            hash: Sha256::new(),
            counts: Counts::default(),
        };
        writer.write(MAGIC)?;
        writer.write(&VERSION.to_be_bytes())?;
        Ok(writer)
    }

    /// What was written so far.
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }

    /// One entry of a table.
    pub(crate) fn entry(&mut self, table: Table, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.write(&[ENTRY])?;
        self.short(table.name().as_bytes())?;
        self.long(key)?;
        self.long(value)?;
        self.counts.entries += 1;
        Ok(())
    }

    /// One blob, its bytes read from `bytes` to their end.
    pub(crate) fn blob(&mut self, key: &str, bytes: &mut dyn Read) -> io::Result<()> {
        self.write(&[BLOB])?;
        self.short(key.as_bytes())?;
        let mut buffer = vec![0; CHUNK];
        loop {
            let read = bytes.read(&mut buffer)?;
            self.long(&buffer[..read])?;
            if read == 0 {
                break;
            }
        }
        self.counts.blobs += 1;
        Ok(())
    }

    /// The end record; answers what the archive holds.
    pub(crate) fn finish(mut self) -> io::Result<Counts> {
        self.write(&[END])?;
        self.write(&self.counts.entries.to_be_bytes())?;
        self.write(&self.counts.blobs.to_be_bytes())?;
        let digest = self.hash.clone().finalize();
        self.out.write_all(&digest)?;
        self.out.flush()?;
        self.counts.bytes += digest.len() as u64;
        Ok(self.counts)
    }

    fn short(&mut self, bytes: &[u8]) -> io::Result<()> {
        let len = u8::try_from(bytes.len()).map_err(|_| invalid("a name is too long"))?;
        self.write(&[len])?;
        self.write(bytes)
    }

    fn long(&mut self, bytes: &[u8]) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| invalid("a value is too long"))?;
        self.write(&len.to_be_bytes())?;
        self.write(bytes)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.out.write_all(bytes)?;
        self.counts.bytes += bytes.len() as u64;
        Ok(())
    }
}

/// One record of an archive.
#[derive(Debug)]
pub(crate) enum Record {
    /// An entry of a table.
    Entry {
        table: Table,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    /// A blob: its key; read its bytes with [`ArchiveReader::blob_bytes`].
    Blob { key: String },
    /// The end, checked: the archive is whole.
    End(Counts),
}

/// Reads an archive, checking its hash at the end.
pub(crate) struct ArchiveReader<'r> {
    input: &'r mut dyn Read,
    hash: Sha256,
    counts: Counts,
}

impl<'r> ArchiveReader<'r> {
    /// Opens an archive: checks its magic and version.
    pub(crate) fn open(input: &'r mut dyn Read) -> io::Result<Self> {
        let mut reader = Self {
            input,
            hash: Sha256::new(),
            counts: Counts::default(),
        };
        let mut magic = [0; 8];
        reader.read(&mut magic)?;
        if &magic != MAGIC {
            return Err(invalid("not a chat backup"));
        }
        let mut version = [0; 2];
        reader.read(&mut version)?;
        let version = u16::from_be_bytes(version);
        if version != VERSION {
            return Err(invalid(&format!(
                "a backup of format {version}; this version reads format {VERSION}"
            )));
        }
        Ok(reader)
    }

    /// What was read so far.
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }

    /// The next record.
    pub(crate) fn next(&mut self) -> io::Result<Record> {
        let mut tag = [0];
        self.read(&mut tag)?;
        match tag[0] {
            ENTRY => {
                let name = self.short()?;
                let table = std::str::from_utf8(&name)
                    .ok()
                    .and_then(Table::from_name)
                    .ok_or_else(|| {
                        invalid(&format!(
                            "unknown table {:?}: a backup of a newer version",
                            String::from_utf8_lossy(&name)
                        ))
                    })?;
                let key = self.long()?;
                let value = self.long()?;
                self.counts.entries += 1;
                Ok(Record::Entry { table, key, value })
            }
            BLOB => {
                let key = String::from_utf8(self.short()?)
                    .ok()
                    .filter(|key| crate::blobs::is_key(key))
                    .ok_or_else(|| invalid("a blob's key is not a SHA-256"))?;
                self.counts.blobs += 1;
                Ok(Record::Blob { key })
            }
            END => self.end(),
            other => Err(invalid(&format!("unknown record {other}"))),
        }
    }

    /// Copies the bytes of the blob just read into `out`.
    pub(crate) fn blob_bytes(&mut self, out: &mut dyn Write) -> io::Result<()> {
        loop {
            let chunk = self.long()?;
            if chunk.is_empty() {
                return Ok(());
            }
            if chunk.len() > CHUNK {
                return Err(invalid("a blob's chunk is too long"));
            }
            out.write_all(&chunk)?;
        }
    }

    fn end(&mut self) -> io::Result<Record> {
        let (mut entries, mut blobs) = ([0; 8], [0; 8]);
        self.read(&mut entries)?;
        self.read(&mut blobs)?;
        let expected = self.hash.clone().finalize();
        let mut digest = [0; 32];
        self.input.read_exact(&mut digest)?;
        self.counts.bytes += digest.len() as u64;
        let counted = (u64::from_be_bytes(entries), u64::from_be_bytes(blobs));
        if digest[..] != expected[..] || counted != (self.counts.entries, self.counts.blobs) {
            return Err(invalid(
                "the backup is corrupt (its checksum does not match)",
            ));
        }
        Ok(Record::End(self.counts))
    }

    fn short(&mut self) -> io::Result<Vec<u8>> {
        let mut len = [0];
        self.read(&mut len)?;
        let mut bytes = vec![0; usize::from(len[0])];
        self.read(&mut bytes)?;
        Ok(bytes)
    }

    fn long(&mut self) -> io::Result<Vec<u8>> {
        let mut len = [0; 4];
        self.read(&mut len)?;
        let len = u32::from_be_bytes(len) as usize;
        // Read in steps, so that a corrupt length fails at the end of the input instead of
        // allocating gigabytes up front.
        let mut bytes = Vec::with_capacity(len.min(1 << 20));
        let read = (&mut *self.input)
            .take(len as u64)
            .read_to_end(&mut bytes)?;
        if read != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the backup ends early",
            ));
        }
        self.hash.update(&bytes);
        self.counts.bytes += len as u64;
        Ok(bytes)
    }

    fn read(&mut self, bytes: &mut [u8]) -> io::Result<()> {
        self.input.read_exact(bytes).map_err(|error| {
            if error.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(io::ErrorKind::UnexpectedEof, "the backup ends early")
            } else {
                error
            }
        })?;
        self.hash.update(&*bytes);
        self.counts.bytes += bytes.len() as u64;
        Ok(())
    }
}

fn invalid(reason: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason.to_owned())
}
