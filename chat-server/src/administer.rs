//! `chat admin …`, `chat invite create` and `chat status`: each command becomes an
//! [`operator::Request`], run by the server through its admin socket when one runs on the
//! data directory, else on the database; the answer is printed for a person.

use std::future::Future;
use std::path::Path;

use anyhow::{Context, Result};
use chat_engine::Engine;
use chat_engine::id::ServerId;
use chat_engine::model::{AdminQuery, AdminUser, CreateInvite, Invite, Server, User};
use serde::de::DeserializeOwned;

use crate::admin_socket;
use crate::cli::{Admin, Page};
use crate::operator::{self, NewAdmin, NewInvite, Request, Status};

/// Runs `request` on the server running on `data_dir`, else on the database `open` opens.
async fn operate<T, F>(data_dir: &Path, request: Request, open: impl FnOnce() -> F) -> Result<T>
where
    T: DeserializeOwned,
    F: Future<Output = Result<Engine>>,
{
    let answer = match admin_socket::client(data_dir).await {
        Some(client) => admin_socket::call(&client, &request).await?,
        None => operator::execute(&open().await?, request).await?,
    };
    serde_json::from_value(answer).context("reading the answer")
}

/// `chat admin …`.
pub async fn admin<F>(data_dir: &Path, command: &Admin, open: impl FnOnce() -> F) -> Result<()>
where
    F: Future<Output = Result<Engine>>,
{
    match command {
        Admin::Create { username, password } => {
            let admin = NewAdmin {
                username: username.clone(),
                password: password.clone(),
            };
            let user: User = operate(data_dir, Request::CreateAdmin(admin), open).await?;
            println!(
                "created the instance administrator {} ({})",
                user.username, user.id
            );
        }
        Admin::Grant { user } | Admin::Revoke { user } => {
            let admin = matches!(command, Admin::Grant { .. });
            let request = Request::SetAdmin {
                user: user.clone(),
                admin,
            };
            let user: AdminUser = operate(data_dir, request, open).await?;
            let now = if admin { "now" } else { "no longer" };
            println!(
                "{} ({}) is {now} an instance administrator",
                user.user.username, user.user.id
            );
        }
        Admin::Users(page) => {
            let users: Vec<AdminUser> =
                operate(data_dir, Request::ListUsers(query(page)), open).await?;
            print_users(&users);
        }
        Admin::Disable { user, reason } => {
            let request = Request::DisableUser {
                user: user.clone(),
                reason: reason.clone(),
            };
            let user: AdminUser = operate(data_dir, request, open).await?;
            println!("disabled {} ({})", user.user.username, user.user.id);
        }
        Admin::Enable { user } => {
            let request = Request::EnableUser { user: user.clone() };
            let user: AdminUser = operate(data_dir, request, open).await?;
            println!("enabled {} ({})", user.user.username, user.user.id);
        }
        Admin::Servers(page) => {
            let servers: Vec<Server> =
                operate(data_dir, Request::ListServers(query(page)), open).await?;
            print_servers(&servers);
        }
        Admin::DisableServer { server_id, reason } => {
            let request = Request::DisableServer {
                server_id: server_id_of(server_id)?,
                reason: reason.clone(),
            };
            let server: Server = operate(data_dir, request, open).await?;
            println!("disabled the server {} ({})", server.name, server.id);
        }
        Admin::EnableServer { server_id } => {
            let request = Request::EnableServer {
                server_id: server_id_of(server_id)?,
            };
            let server: Server = operate(data_dir, request, open).await?;
            println!("enabled the server {} ({})", server.name, server.id);
        }
        Admin::DeleteServer { server_id, yes } => {
            anyhow::ensure!(
                *yes,
                "deleting a server cannot be undone but from a backup: add --yes to confirm"
            );
            let server_id = server_id_of(server_id)?;
            let request = Request::DeleteServer { server_id };
            let () = operate(data_dir, request, open).await?;
            println!("deleted the server {server_id}");
        }
    }
    Ok(())
}

/// `chat invite create`: prints the new invite's code.
pub async fn create_invite<F>(
    data_dir: &Path,
    server_id: &str,
    invite: CreateInvite,
    open: impl FnOnce() -> F,
) -> Result<()>
where
    F: Future<Output = Result<Engine>>,
{
    let request = Request::CreateInvite(NewInvite {
        server_id: server_id_of(server_id)?,
        invite,
    });
    let invite: Invite = operate(data_dir, request, open).await?;
    println!("{}", invite.code);
    Ok(())
}

/// `chat status`.
pub async fn status<F>(data_dir: &Path, open: impl FnOnce() -> F) -> Result<()>
where
    F: Future<Output = Result<Engine>>,
{
    let status = match admin_socket::client(data_dir).await {
        Some(client) => admin_socket::status_of(&client).await?,
        None => operator::status(&open().await?, None)?,
    };
    print_status(&status);
    Ok(())
}

/// The server id the operator typed.
pub(crate) fn server_id_of(typed: &str) -> Result<ServerId> {
    typed
        .parse()
        .map_err(|_| anyhow::anyhow!("{typed:?} is not a server id"))
}

fn query(page: &Page) -> AdminQuery {
    AdminQuery {
        after: page.after.clone(),
        limit: Some(page.limit),
        q: page.name.clone(),
    }
}

fn print_users(users: &[AdminUser]) {
    println!("{:<26}  {:<32}  {:<6}  status", "id", "username", "admin");
    for user in users {
        let status = match &user.disabled {
            Some(disabled) if disabled.reason.is_empty() => "disabled".to_owned(),
            Some(disabled) => format!("disabled: {}", disabled.reason),
            None => "active".to_owned(),
        };
        let admin = if user.instance_admin { "yes" } else { "" };
        println!(
            "{:<26}  {:<32}  {admin:<6}  {status}",
            user.user.id, user.user.username
        );
    }
}

fn print_servers(servers: &[Server]) {
    println!("{:<26}  {:>7}  {:<26}  name", "id", "members", "owner");
    for server in servers {
        let disabled = match &server.disabled {
            Some(disabled) => format!(" (disabled: {})", disabled.reason),
            None => String::new(),
        };
        println!(
            "{:<26}  {:>7}  {:<26}  {}{disabled}",
            server.id, server.member_count, server.owner_id, server.name
        );
    }
}

fn print_status(status: &Status) {
    let instance = &status.instance;
    println!("chat {}", status.version);
    match &status.running {
        Some(running) => {
            let ready = if running.ready { "ready" } else { "NOT READY" };
            println!(
                "server: running (pid {}, up {} s), {ready}",
                running.pid, running.uptime_seconds
            );
            println!("  writer: {}", running.writer);
            println!("  search: {}", running.search);
            println!(
                "  gateway sessions: {} ({} waiting for a resume)",
                running.gateway_sessions, running.gateway_resumable
            );
        }
        None => println!("server: not running"),
    }
    println!(
        "accounts: {} ({} disabled, {} administrators)",
        instance.users, instance.disabled_users, instance.administrators
    );
    println!("servers: {}", instance.servers);
    println!("events: {}", instance.last_seq);
}
