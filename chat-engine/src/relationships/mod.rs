//! Relationships: friend requests (send, accept, decline, cancel), removing a friend, and
//! blocking. Each is stored from both sides, and each side hears of its own change
//! (`RELATIONSHIP_ADD` / `RELATIONSHIP_REMOVE`). Friends may DM without a shared server; a
//! block stops DMs, friend requests and group DMs between the two (the channels domain and the
//! message path read the blocks through the store).

use crate::engine::Engine;
use crate::envelope::Audience;
use crate::error::{Error, ResourceKind, Result, found};
use crate::id::UserId;
use crate::model::{Event, Relationship, RelationshipRemove, RelationshipType, SetRelationship};
use crate::store::{KvMut, RelationshipRecord, RelationshipStore, Tx, UserStore};

use RelationshipType::{Blocked, Friend, Incoming, Outgoing};

impl Engine {
    /// The caller's relationships, by the other user's id.
    pub fn list_relationships(&self, actor: UserId) -> Result<Vec<Relationship>> {
        let reader = self.read()?;
        let mut list = Vec::new();
        for (other, record) in reader.list_relationships(actor)? {
            if let Some(record_of_user) = reader.fetch_user(other)? {
                let mut user = record_of_user.user;
                if record.kind == Friend {
                    user.status = self.realtime().status_seen_by(actor, other);
                }
                list.push(Relationship {
                    id: other,
                    since: record.since,
                    kind: record.kind,
                    user,
                });
            }
        }
        Ok(list)
    }

    /// `PUT /users/@me/relationships/{id}`: `friend` sends a friend request, or accepts the
    /// other's; `blocked` blocks. Answers the caller's relationship with them now.
    pub async fn set_relationship(
        &self,
        actor: UserId,
        other: UserId,
        request: SetRelationship,
    ) -> Result<RelationshipType> {
        match request.kind {
            Friend => self.befriend(actor, other).await,
            Blocked => self.block_user(actor, other).await.map(|()| Blocked),
            Incoming | Outgoing => Err(Error::validation(
                "type",
                "must be friend (to send or accept a request) or blocked",
            )),
        }
    }

    /// Sends a friend request to the user with this username (in any case).
    pub async fn send_friend_request(
        &self,
        actor: UserId,
        username: &str,
    ) -> Result<RelationshipType> {
        let other = self.read()?.fetch_user_id_by_name(username.trim())?;
        let other = found(other, ResourceKind::User, username)?;
        self.befriend(actor, other).await
    }

    /// Sends a friend request, or accepts the other's. Idempotent.
    async fn befriend(&self, actor: UserId, other: UserId) -> Result<RelationshipType> {
        not_oneself(actor, other)?;
        self.write(move |tx| {
            found(tx.fetch_user(other)?, ResourceKind::User, other)?;
            let mine = tx.fetch_relationship(actor, other)?.map(|r| r.kind);
            let theirs = tx.fetch_relationship(other, actor)?.map(|r| r.kind);
            match (mine, theirs) {
                (Some(Blocked), _) => Err(Error::forbidden(
                    "you blocked this user; unblock them first",
                )),
                (_, Some(Blocked)) => Err(Error::forbidden(
                    "this user does not accept friend requests from you",
                )),
                (Some(kind @ (Friend | Outgoing)), _) => Ok(kind),
                (Some(Incoming), _) => {
                    relate(tx, actor, other, Friend)?;
                    relate(tx, other, actor, Friend)?;
                    Ok(Friend)
                }
                (None, _) => {
                    relate(tx, actor, other, Outgoing)?;
                    relate(tx, other, actor, Incoming)?;
                    Ok(Outgoing)
                }
            }
        })
        .await
    }

    /// Blocks a user: ends any friendship or request between the two, and stops their DMs,
    /// friend requests and group DMs with the caller.
    pub async fn block_user(&self, actor: UserId, other: UserId) -> Result<()> {
        not_oneself(actor, other)?;
        self.write(move |tx| {
            found(tx.fetch_user(other)?, ResourceKind::User, other)?;
            if tx
                .fetch_relationship(other, actor)?
                .is_some_and(|r| r.kind != Blocked)
            {
                forget(tx, other, actor)?;
            }
            relate(tx, actor, other, Blocked)
        })
        .await
    }

    /// `DELETE /users/@me/relationships/{id}`: removes a friend (for both), declines or
    /// cancels a request (for both), or unblocks (for the caller only).
    pub async fn remove_relationship(&self, actor: UserId, other: UserId) -> Result<()> {
        self.write(move |tx| {
            let mine = tx.fetch_relationship(actor, other)?;
            let mine = found(mine, ResourceKind::User, other)?;
            forget(tx, actor, other)?;
            if mine.kind != Blocked
                && tx
                    .fetch_relationship(other, actor)?
                    .is_some_and(|r| r.kind != Blocked)
            {
                forget(tx, other, actor)?;
            }
            Ok(())
        })
        .await
    }
}

fn not_oneself(actor: UserId, other: UserId) -> Result<()> {
    if actor == other {
        return Err(Error::validation("user_id", "that is you"));
    }
    Ok(())
}

/// Sets how `user` relates to `other` and tells `user`.
fn relate(tx: &mut Tx<'_>, user: UserId, other: UserId, kind: RelationshipType) -> Result<()> {
    let record = RelationshipRecord {
        kind,
        since: tx.now(),
    };
    let them = found(tx.fetch_user(other)?, ResourceKind::User, other)?.user;
    tx.update_relationship(user, other, record);
    let relationship = Relationship {
        id: other,
        since: record.since,
        kind,
        user: them,
    };
    tx.emit(
        Event::RelationshipAdd(relationship),
        Audience::users(vec![user]),
    );
    Ok(())
}

/// Ends how `user` relates to `other` and tells `user`.
fn forget(tx: &mut Tx<'_>, user: UserId, other: UserId) -> Result<()> {
    if let Some(record) = tx.fetch_relationship(user, other)? {
        tx.delete_relationship(user, other);
        let payload = RelationshipRemove {
            id: other,
            kind: record.kind,
        };
        tx.emit(
            Event::RelationshipRemove(payload),
            Audience::users(vec![user]),
        );
    }
    Ok(())
}
