//! Permission flags: a 64-bit set that travels as a JSON number.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

bitflags::bitflags! {
    /// The blueprint's permission flags. Unknown bits are kept, so a newer server's flags
    /// survive a round trip through an older client.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Permissions: u64 {
        /// See a channel and read its history.
        const VIEW_CHANNEL = 1 << 0;
        /// Send messages.
        const SEND_MESSAGES = 1 << 1;
        /// Delete and pin others' messages.
        const MANAGE_MESSAGES = 1 << 2;
        /// Create, edit and delete channels and their overwrites.
        const MANAGE_CHANNELS = 1 << 3;
        /// Edit the server and manage its invites.
        const MANAGE_SERVER = 1 << 4;
        /// Remove members.
        const KICK_MEMBERS = 1 << 5;
        /// Ban members.
        const BAN_MEMBERS = 1 << 6;
        /// Create, edit, delete and assign roles below one's own.
        const MANAGE_ROLES = 1 << 7;
        /// Ping `@everyone` and `@here`.
        const MENTION_EVERYONE = 1 << 8;
        /// Add new reactions.
        const ADD_REACTIONS = 1 << 9;
        /// Attach files.
        const ATTACH_FILES = 1 << 10;
        /// Create invites.
        const CREATE_INVITE = 1 << 11;
        /// Read the server's audit log.
        const VIEW_AUDIT_LOG = 1 << 12;
        /// Time members out (below one's highest role).
        const MODERATE_MEMBERS = 1 << 13;
        /// Archive, unarchive and lock threads, and post in locked ones.
        const MANAGE_THREADS = 1 << 14;
        /// Change other members' nicknames (below one's highest role).
        const MANAGE_NICKNAMES = 1 << 15;
        /// Every permission, in every channel, overwrites notwithstanding.
        const ADMINISTRATOR = 1 << 31;
    }
}

impl Permissions {
    /// What a new server's @everyone role allows.
    pub const EVERYONE_DEFAULT: Self = Self::VIEW_CHANNEL
        .union(Self::SEND_MESSAGES)
        .union(Self::ADD_REACTIONS)
        .union(Self::ATTACH_FILES)
        .union(Self::CREATE_INVITE);
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.bits())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer).map(Self::from_bits_retain)
    }
}

/// A JSON number: the bits of the set.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Permissions {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(0))
            .description(Some(
                "Permission flags as a 64-bit set: VIEW_CHANNEL 1, SEND_MESSAGES 2, \
                 MANAGE_MESSAGES 4, MANAGE_CHANNELS 8, MANAGE_SERVER 16, KICK_MEMBERS 32, \
                 BAN_MEMBERS 64, MANAGE_ROLES 128, MENTION_EVERYONE 256, ADD_REACTIONS 512, \
                 ATTACH_FILES 1024, CREATE_INVITE 2048, VIEW_AUDIT_LOG 4096, \
                 MODERATE_MEMBERS 8192, MANAGE_THREADS 16384, MANAGE_NICKNAMES 32768, \
                 ADMINISTRATOR 2147483648",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Permissions {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_json_numbers() {
        let json = serde_json::to_string(&Permissions::EVERYONE_DEFAULT).unwrap();
        assert_eq!(json, "3587");
        let back: Permissions = serde_json::from_str("2147483649").unwrap();
        assert_eq!(back, Permissions::ADMINISTRATOR | Permissions::VIEW_CHANNEL);
        assert!(serde_json::from_str::<Permissions>("\"VIEW_CHANNEL\"").is_err());
    }
}
