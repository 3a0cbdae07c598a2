//! `chat backup` and `chat restore`: a backup of a running server through its admin socket
//! (or of the database itself when no server runs), and its restore into an empty data
//! directory.

use std::future::Future;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chat_engine::Engine;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::AsyncWriteExt;

use crate::admin_socket;

/// Writes a backup of the data directory to `to`: through the admin socket of the server
/// running on it, else from the database (`open` opens it). The file appears only once the
/// whole backup was written and checked.
pub async fn backup<F>(data_dir: &Path, to: &Path, open: impl FnOnce() -> F) -> Result<()>
where
    F: Future<Output = Result<Engine>>,
{
    let partial = partial_path(to);
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} {bytes} ({bytes_per_sec})")
            .context("template")?,
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let written = if let Some(client) = admin_socket::client(data_dir).await {
        bar.set_message("backing up the running server:");
        download(&client, "/backup", &partial, &bar).await
    } else {
        bar.set_message("backing up the database:");
        let engine = open().await?;
        write_offline(engine, &partial, &bar).await
    };
    let checked = written.and_then(|()| {
        let file = std::fs::File::open(&partial)?;
        Ok(chat_engine::backup::verify(&mut BufReader::new(file))?)
    });
    bar.finish_and_clear();
    let counts = match checked {
        Ok(counts) => counts,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error.context("the backup failed; no file was written"));
        }
    };
    std::fs::rename(&partial, to).with_context(|| format!("writing {}", to.display()))?;
    println!(
        "backed up {} entries and {} attachments to {} ({} bytes)",
        counts.entries,
        counts.blobs,
        to.display(),
        counts.bytes
    );
    Ok(())
}

/// Restores the backup `from` into `data_dir`, which must hold no database.
pub fn restore(data_dir: &Path, from: &Path) -> Result<()> {
    let file = std::fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let bar = ProgressBar::new(file.metadata()?.len()).with_style(
        ProgressStyle::with_template("restoring [{bar:40}] {bytes}/{total_bytes}")
            .context("template")?
            .progress_chars("=> "),
    );
    let mut input = BufReader::new(bar.wrap_read(file));
    let counts = chat_engine::backup::restore_data_dir(&mut input, data_dir, &mut |_| {})
        .with_context(|| format!("restoring {}", from.display()))?;
    bar.finish_and_clear();
    println!(
        "restored {} entries and {} attachments into {}; the search index is rebuilt when \
         the server starts",
        counts.entries,
        counts.blobs,
        data_dir.display()
    );
    Ok(())
}

/// Where a backup or an export is written before it is whole: beside `to`, hidden.
pub(crate) fn partial_path(to: &Path) -> PathBuf {
    let name = to
        .file_name()
        .map_or_else(|| "backup".into(), |name| name.to_string_lossy());
    to.with_file_name(format!(".{name}.partial"))
}

/// Creates (or empties) the file at `path`, readable by its owner only: a backup holds every
/// account's password hash and the token signing key, an export private messages.
pub(crate) fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// Writes what the admin socket answers at `path` to the file `to`, counting its bytes on
/// `bar`.
pub(crate) async fn download(
    client: &reqwest::Client,
    path: &str,
    to: &Path,
    bar: &ProgressBar,
) -> Result<()> {
    let response = client
        .get(format!("http://admin{path}"))
        .send()
        .await
        .context("asking the running server")?;
    if !response.status().is_success() {
        anyhow::bail!("{}", response.text().await?);
    }
    let mut file = tokio::fs::File::from_std(create_private(to)?);
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.context("the server stopped sending")?;
        file.write_all(&chunk).await?;
        bar.inc(chunk.len() as u64);
    }
    file.sync_all().await?;
    Ok(())
}

async fn write_offline(engine: Engine, to: &Path, bar: &ProgressBar) -> Result<()> {
    let (to, bar) = (to.to_path_buf(), bar.clone());
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut file = std::io::BufWriter::new(create_private(&to)?);
        engine.backup(&mut file, &mut |counts| bar.set_position(counts.bytes))?;
        file.into_inner()?.sync_all()?;
        Ok(())
    })
    .await?
}
