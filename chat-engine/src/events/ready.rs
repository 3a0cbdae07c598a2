//! The initial state a new session starts from (the gateway's READY).

use crate::engine::Engine;
use crate::error::Result;
use crate::id::UserId;
use crate::limits::LARGE_SERVER;
use crate::model::gateway::{Ready, ReadyServer};
use crate::permissions::context;
use crate::store::ServerStore;

impl Engine {
    /// Everything a client needs to start: the user, their servers with the channels they can
    /// view, roles, online presences and voice states, their DMs and their read states.
    pub fn ready_state(&self, user: UserId, session_id: String) -> Result<Ready> {
        let me = self.fetch_user(user, user)?;
        let server_ids = self.read()?.list_user_servers(user)?;
        let mut servers = Vec::with_capacity(server_ids.len());
        for id in server_ids {
            // One load of the server, the member and the roles serves all three fields.
            let ctx = context(&self.read()?, id, user)?;
            let large = ctx.server.member_count > LARGE_SERVER;
            servers.push(ReadyServer {
                channels: self.list_channels(user, id)?,
                member: ctx.member,
                presences: if large {
                    Vec::new()
                } else {
                    self.list_presences(user, id)?
                },
                roles: ctx.roles,
                server: ctx.server,
                voice_states: self.list_voice_states(user, id)?,
            });
        }
        Ok(Ready {
            private_channels: self.list_dm_channels(user)?,
            read_states: self.read_states(user)?,
            servers,
            session_id,
            user: me,
        })
    }
}
