//! Joining a server, shared by the ways in: a public server, an invite. Membership, the
//! member count, the events and the join message happen together.

use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::{ServerId, UserId};
use crate::model::{Event, Member, MessageType, Server};
use crate::posting::post_system_message;
use crate::store::{KvMut, ServerStore, Tx};

/// Adds a user to a server: membership, count, events and a join message.
pub(crate) fn add_member(tx: &mut Tx<'_>, server: ServerId, user: UserId) -> Result<Server> {
    if tx.fetch_ban(server, user)?.is_some() {
        return Err(Error::forbidden("you are banned from this server"));
    }
    let mut found_server = found(tx.fetch_server(server)?, ResourceKind::Server, server)?;
    if found_server.disabled.is_some() {
        return Err(Error::forbidden("this server is disabled"));
    }
    let member = Member::joined(server, user, tx.now());
    tx.update_member(&member);
    found_server.member_count += 1;
    tx.update_server(&found_server);
    tx.emit(Event::MemberAdd(member), Audience::server(server));
    tx.emit(
        Event::ServerCreate(found_server.clone()),
        Audience::users(vec![user]),
    );
    post_system_message(tx, &found_server, user, MessageType::SystemJoin)?;
    Ok(found_server)
}
