//! `chat export` and `chat import`: one server as JSON Lines, out of this instance (from the
//! running server through its admin socket, else from the database) and into another.

use std::future::Future;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result};
use chat_engine::id::ServerId;
use chat_engine::transfer::{Counts, ImportSummary};
use chat_engine::{Administrator, Engine};
use indicatif::{ProgressBar, ProgressStyle};

use crate::admin_socket;
use crate::administer::server_id_of;
use crate::backups::{create_private, download, partial_path};
use crate::operator;

/// Writes the export of `server_id` to `to`; the file appears only once it is whole and
/// checked.
pub async fn export<F>(
    data_dir: &Path,
    server_id: &str,
    to: &Path,
    open: impl FnOnce() -> F,
) -> Result<()>
where
    F: Future<Output = Result<Engine>>,
{
    let server = server_id_of(server_id)?;
    let partial = partial_path(to);
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} exporting {msg} {bytes} ({bytes_per_sec})")
            .context("template")?,
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let written = if let Some(client) = admin_socket::client(data_dir).await {
        bar.set_message("from the running server:");
        download(&client, &format!("/export/{server}"), &partial, &bar).await
    } else {
        bar.set_message("from the database:");
        write_offline(open().await?, server, &partial).await
    };
    let checked = written.and_then(|()| verify(&partial));
    bar.finish_and_clear();
    let counts = match checked {
        Ok(counts) => counts,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error.context("the export failed; no file was written"));
        }
    };
    std::fs::rename(&partial, to).with_context(|| format!("writing {}", to.display()))?;
    println!(
        "exported {} channels, {} roles, {} members and {} messages to {}",
        counts.channels,
        counts.roles,
        counts.members,
        counts.messages,
        to.display()
    );
    Ok(())
}

/// Makes a new server of the export `from`, owned by `owner`: on the running server through
/// its admin socket, else on the database. The file is checked first, here.
pub async fn import<F>(
    data_dir: &Path,
    from: &Path,
    owner: &str,
    open: impl FnOnce() -> F,
) -> Result<()>
where
    F: Future<Output = Result<Engine>>,
{
    verify(from).with_context(|| format!("{} is not an export to import", from.display()))?;
    let summary: ImportSummary = match admin_socket::client(data_dir).await {
        Some(client) => {
            let file = tokio::fs::File::open(from).await?;
            let response = client
                .post("http://admin/import")
                .query(&operator::ImportOwner {
                    owner: owner.to_owned(),
                })
                .body(reqwest::Body::from(file))
                .send()
                .await
                .context("sending the export to the running server")?;
            admin_socket::read(response).await?
        }
        None => operator::import(&open().await?, from, owner).await?,
    };
    println!(
        "imported the server {} ({}): {} channels, {} members, {} messages",
        summary.server.name,
        summary.server.id,
        summary.counts.channels,
        summary.server.member_count,
        summary.counts.messages
    );
    println!(
        "{} accounts matched by username, {} made as disabled stand-ins",
        summary.users_matched, summary.users_created
    );
    if summary.attachments_left_out > 0 {
        println!(
            "left out: the files of {} attachments (their messages' text came)",
            summary.attachments_left_out
        );
    }
    Ok(())
}

/// Checks the export in the file at `path` from its first line to its end.
fn verify(path: &Path) -> Result<Counts> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(chat_engine::transfer::verify(&mut BufReader::new(file))?)
}

async fn write_offline(engine: Engine, server: ServerId, to: &Path) -> Result<()> {
    let to = to.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut file = std::io::BufWriter::new(create_private(&to)?);
        engine.export_server(Administrator::Operator, server, &mut file)?;
        file.into_inner()?.sync_all()?;
        Ok(())
    })
    .await?
}
