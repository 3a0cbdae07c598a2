//! The write-ahead log beside the redb file.
//!
//! A redb commit that syncs writes a dozen scattered pages: each changed table's path from leaf
//! to root, the table of tables and redb's own lists of freed and allocated pages, then one
//! `fdatasync`. Each commit's batch is appended here instead, one record written and synced at
//! the log's end, and redb commits without syncing; every [`CHECKPOINT_COMMITS`] commits, or
//! once the log holds [`CHECKPOINT_BYTES`], redb commits durably (a checkpoint) and the log
//! starts over.
//!
//! Opening replays the log over redb's last durable state. A record holds whole puts and
//! deletes, so replaying records that redb already holds changes nothing, as long as they run
//! up to the last one: a checkpoint's own batch is logged too, and a log that starts over
//! leaves its old records behind only until the new ones overwrite them.
//!
//! A record is `length: u32, crc32: u32, epoch: u64, seq: u64, writes`, little-endian, where
//! the checksum covers everything after itself and `length` counts the bytes after the
//! checksum. Each write is `name length: u8, table name, key length: u32, key, 0` for a delete
//! or `1, value length: u32, value` for a put. The log is read from its start while records
//! are whole, carry the first record's epoch and number on from 0; a cut-off or stale record
//! ends it.
//!
//! A record that could not be written and synced, or whose batch redb then refused, is erased
//! (its header zeroed and synced). When even that fails the log stops: every later commit fails
//! until the store is opened again, which replays what the log holds, possibly that record.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::StorageError;
use crate::store::{Batch, Table};

/// Commits between two checkpoints.
pub(super) const CHECKPOINT_COMMITS: u32 = 256;
/// The log's length past which the next commit is a checkpoint.
pub(super) const CHECKPOINT_BYTES: u64 = 8 << 20;

/// Bytes of a record before its writes: length, checksum, epoch and sequence number.
const HEADER: usize = 4 + 4 + 8 + 8;

/// The log file and where its next record goes.
#[derive(Debug)]
pub(super) struct WriteAheadLog {
    file: File,
    path: PathBuf,
    /// Tells this run of the log from the older runs whose records its file may still hold.
    epoch: u64,
    /// The next record's number in this run.
    seq: u64,
    /// Where the next record starts.
    end: u64,
    /// The last record's start, until redb has committed it.
    pending: Option<u64>,
    /// The encoding buffer, kept between records.
    buffer: Vec<u8>,
    /// Why the log stopped, once a record could not be erased.
    stopped: Option<String>,
}

impl WriteAheadLog {
    /// Opens (or creates) the log at `path`, returning the batches of its current run.
    pub(super) fn open(path: PathBuf) -> Result<(Self, Vec<Batch>), StorageError> {
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| log_error(&path, &e))?;
        if created {
            sync_directory(&path).map_err(|e| log_error(&path, &e))?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| log_error(&path, &e))?;
        let (last_epoch, batches) = read_run(&bytes);
        let log = Self {
            file,
            path,
            epoch: next_epoch(last_epoch),
            seq: 0,
            end: 0,
            pending: None,
            buffer: Vec::new(),
            stopped: None,
        };
        Ok((log, batches))
    }

    /// Whether the next commit should be a checkpoint.
    pub(super) fn checkpoint_due(&self) -> bool {
        self.seq + 1 >= u64::from(CHECKPOINT_COMMITS) || self.end >= CHECKPOINT_BYTES
    }

    /// Appends a batch and syncs it; [`WriteAheadLog::committed`] or
    /// [`WriteAheadLog::retract`] follows once redb has taken it or failed to.
    pub(super) fn append(&mut self, batch: &Batch) -> Result<(), StorageError> {
        if let Some(reason) = &self.stopped {
            return Err(StorageError::new(format!(
                "the write-ahead log stopped ({reason}); open the store again to recover"
            )));
        }
        self.buffer.clear();
        encode(&mut self.buffer, self.epoch, self.seq, batch)?;
        let start = self.end;
        self.pending = Some(start);
        self.seq += 1;
        self.end += self.buffer.len() as u64;
        let written = write_at(&self.file, start, &self.buffer);
        if let Err(error) = written {
            self.retract()?;
            return Err(log_error(&self.path, &error));
        }
        Ok(())
    }

    /// redb committed the last record's batch.
    pub(super) fn committed(&mut self) {
        self.pending = None;
    }

    /// The last record's batch is not committed: the record is erased, so that opening the
    /// store again does not replay a write its caller was told had failed.
    pub(super) fn retract(&mut self) -> Result<(), StorageError> {
        let Some(start) = self.pending.take() else {
            return Ok(());
        };
        let erased = write_at(&self.file, start, &[0; HEADER]);
        if let Err(error) = erased {
            let error = log_error(&self.path, &error);
            self.stopped = Some(error.to_string());
            return Err(error);
        }
        self.end = start;
        self.seq -= 1;
        Ok(())
    }

    /// redb holds everything durably: the next record starts a new run at the log's start.
    pub(super) fn restart(&mut self) {
        self.epoch = next_epoch(self.epoch);
        self.seq = 0;
        self.end = 0;
        self.pending = None;
    }

    /// Removes the log file, once redb holds everything durably and nothing writes any more.
    pub(super) fn remove(self) -> Result<(), StorageError> {
        std::fs::remove_file(&self.path).map_err(|e| log_error(&self.path, &e))
    }
}

/// Writes `bytes` at `offset` and syncs them.
fn write_at(mut file: &File, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_data()
}

/// Makes a new log's directory entry durable: without it, a crash could lose the file with
/// the records synced into it. Where a directory cannot be opened as a file (Windows), the
/// entry is left to the file system.
fn sync_directory(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match File::open(dir) {
        Ok(dir) => dir.sync_all(),
        Err(_) if cfg!(windows) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The log that goes with the database file at `database`.
pub(super) fn path_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn log_error(path: &Path, error: &std::io::Error) -> StorageError {
    StorageError::new(format!("write-ahead log {}: {error}", path.display()))
}

/// An epoch that no record in the file carries: the clock's nanoseconds, or one more than the
/// last epoch when the clock is behind it.
fn next_epoch(last: u64) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    now.max(last.wrapping_add(1))
}

/// Encodes one record; a key, a value or a batch too long for its length field is refused
/// (nothing that the engine's limits let through comes near).
fn encode(out: &mut Vec<u8>, epoch: u64, seq: u64, batch: &Batch) -> Result<(), StorageError> {
    out.extend_from_slice(&[0; 8]); // length and checksum, filled in below
    out.extend_from_slice(&epoch.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    for (table, key, value) in batch.iter() {
        let name = table.name();
        out.push(u8::try_from(name.len()).map_err(|_| too_long("a table name"))?);
        out.extend_from_slice(name.as_bytes());
        put_bytes(out, key)?;
        match value {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                put_bytes(out, value)?;
            }
        }
    }
    let length = length(out.len() - 8)?;
    let crc = crc32fast::hash(&out[8..]);
    out[..4].copy_from_slice(&length.to_le_bytes());
    out[4..8].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), StorageError> {
    out.extend_from_slice(&length(bytes.len())?.to_le_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// A length as the log writes it.
fn length(len: usize) -> Result<u32, StorageError> {
    u32::try_from(len).map_err(|_| too_long("a write"))
}

fn too_long(what: &str) -> StorageError {
    StorageError::new(format!("{what} is too long for the write-ahead log"))
}

/// The epoch of the log's first record (0 for none) and the batches of its run.
fn read_run(mut bytes: &[u8]) -> (u64, Vec<Batch>) {
    let mut batches = Vec::new();
    let mut run = None;
    while let Some((epoch, seq, writes, rest)) = record(bytes) {
        let first = *run.get_or_insert(epoch);
        let Some(batch) = (epoch == first && seq == batches.len() as u64)
            .then(|| decode(writes))
            .flatten()
        else {
            break;
        };
        batches.push(batch);
        bytes = rest;
    }
    (run.unwrap_or(0), batches)
}

/// The whole record at the start of `bytes`: epoch, sequence number, writes and what follows.
fn record(bytes: &[u8]) -> Option<(u64, u64, &[u8], &[u8])> {
    let length = usize::try_from(u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?)).ok()?;
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let body = bytes.get(8..8usize.checked_add(length)?)?;
    if length < HEADER - 8 || crc32fast::hash(body) != crc {
        return None;
    }
    let epoch = u64::from_le_bytes(body[..8].try_into().ok()?);
    let seq = u64::from_le_bytes(body[8..16].try_into().ok()?);
    Some((epoch, seq, &body[16..], &bytes[8 + length..]))
}

fn decode(mut writes: &[u8]) -> Option<Batch> {
    let mut batch = Batch::default();
    while !writes.is_empty() {
        let name_length = usize::from(*writes.first()?);
        let name = std::str::from_utf8(writes.get(1..1 + name_length)?).ok()?;
        let table = Table::from_name(name)?;
        let (key, rest) = take_bytes(&writes[1 + name_length..])?;
        writes = match rest.split_first()? {
            (0, rest) => {
                batch.delete(table, key.to_vec());
                rest
            }
            (1, rest) => {
                let (value, rest) = take_bytes(rest)?;
                batch.put(table, key.to_vec(), value.to_vec());
                rest
            }
            _ => return None,
        };
    }
    Some(batch)
}

fn take_bytes(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = usize::try_from(u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?)).ok()?;
    let value = bytes.get(4..4usize.checked_add(length)?)?;
    Some((value, &bytes[4 + length..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: u8) -> Batch {
        let mut batch = Batch::default();
        batch.put(Table::Messages, vec![n; 3], vec![n; 40]);
        batch.delete(Table::Events, vec![n]);
        batch
    }

    fn log_in(dir: &tempfile::TempDir) -> (WriteAheadLog, Vec<Batch>) {
        WriteAheadLog::open(dir.path().join("log")).unwrap()
    }

    /// A new log in `dir` holding the batches 0, 1 and 2.
    fn three_records(dir: &tempfile::TempDir) -> WriteAheadLog {
        let (mut log, found) = log_in(dir);
        assert!(found.is_empty());
        for n in 0..3 {
            log.append(&batch(n)).unwrap();
            log.committed();
        }
        log
    }

    #[test]
    fn appended_batches_are_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        drop(three_records(&dir));
        let (_, found) = log_in(&dir);
        assert_eq!(found, vec![batch(0), batch(1), batch(2)]);
    }

    #[test]
    fn a_cut_off_or_damaged_record_ends_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let end = three_records(&dir).end;
        let path = dir.path().join("log");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(usize::try_from(end).unwrap() - 1);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(log_in(&dir).1, vec![batch(0), batch(1)]);

        let second = record(&bytes).unwrap().3;
        let at = bytes.len() - second.len() + HEADER + 2;
        bytes[at] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(log_in(&dir).1, vec![batch(0)]);
    }

    #[test]
    fn a_new_run_hides_the_records_of_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = three_records(&dir);
        log.restart();
        log.append(&batch(7)).unwrap();
        drop(log);
        assert_eq!(log_in(&dir).1, vec![batch(7)]);
    }

    #[test]
    fn a_retracted_record_is_not_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = log_in(&dir);
        log.append(&batch(0)).unwrap();
        log.committed();
        log.append(&batch(1)).unwrap();
        log.retract().unwrap();
        drop(log);
        assert_eq!(log_in(&dir).1, vec![batch(0)]);

        let (mut log, _) = log_in(&dir);
        log.append(&batch(2)).unwrap();
        log.retract().unwrap();
        drop(log);
        assert!(log_in(&dir).1.is_empty());
    }

    #[test]
    fn a_log_that_cannot_write_or_erase_stops() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = three_records(&dir);
        // A handle that cannot write: both the append and the erasing of its record fail.
        log.file = File::open(dir.path().join("log")).unwrap();
        assert!(log.append(&batch(3)).is_err());
        let error = log.append(&batch(4)).unwrap_err().to_string();
        assert!(error.contains("stopped"), "{error}");
        drop(log);
        assert_eq!(log_in(&dir).1, vec![batch(0), batch(1), batch(2)]);
    }

    #[test]
    fn a_write_too_long_for_its_length_field_is_refused() {
        assert_eq!(length(7).unwrap(), 7);
        let error = length(usize::try_from(u64::from(u32::MAX) + 1).unwrap()).unwrap_err();
        assert!(error.to_string().contains("too long"), "{error}");
    }

    #[test]
    fn garbage_is_no_record() {
        for bytes in [&b""[..], &[0; 64], &[0xff; 64], &[30, 0, 0, 0, 1, 2, 3]] {
            assert!(read_run(bytes).1.is_empty());
        }
    }
}
