//! Typed ids: `Id<UserMarker>`, `Id<ChannelMarker>`, ... over ULIDs, so an id of one kind
//! cannot be passed where another is expected.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

/// A ULID tagged with the kind of entity it names. It is a string on the wire.
pub struct Id<M> {
    value: Ulid,
    marker: PhantomData<fn(M) -> M>,
}

impl<M> Id<M> {
    /// Wraps a raw ULID.
    pub const fn from_ulid(value: Ulid) -> Self {
        Self {
            value,
            marker: PhantomData,
        }
    }

    /// The raw ULID.
    pub const fn ulid(self) -> Ulid {
        self.value
    }

    /// The id as 16 big-endian bytes, which sort like the ids themselves.
    pub fn to_bytes(self) -> [u8; 16] {
        self.value.to_bytes()
    }

    /// Reads an id from its 16-byte form.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self::from_ulid(Ulid::from_bytes(bytes))
    }

    /// Milliseconds since the Unix epoch when the id was made.
    pub fn timestamp_ms(self) -> u64 {
        self.value.timestamp_ms()
    }

    /// Reinterprets the id as one of another kind: the only escape hatch, used where two
    /// entities share an id (a server and its @everyone role).
    pub const fn cast<N>(self) -> Id<N> {
        Id::from_ulid(self.value)
    }
}

impl<M> Clone for Id<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Id<M> {}

impl<M> PartialEq for Id<M> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<M> Eq for Id<M> {}

impl<M> PartialOrd for Id<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<M> Ord for Id<M> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<M> Hash for Id<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<M> fmt::Debug for Id<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.value)
    }
}

impl<M> fmt::Display for Id<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

/// The text was not a ULID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id: {0:?}")]
pub struct ParseIdError(pub String);

impl<M> FromStr for Id<M> {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s)
            .map(Self::from_ulid)
            .map_err(|_| ParseIdError(s.to_owned()))
    }
}

impl<M> Serialize for Id<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.value)
    }
}

impl<'de, M> Deserialize<'de> for Id<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

macro_rules! markers {
    ($($(#[$doc:meta])* $name:ident => $alias:ident;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub struct $name;

            $(#[$doc])*
            pub type $alias = Id<$name>;

            #[cfg(feature = "openapi")]
            impl Kind for $name {
                const NAME: &'static str = stringify!($alias);
            }
        )*
    };
}

/// What a marker tells the OpenAPI document: the name of its ids' schema.
#[cfg(feature = "openapi")]
pub trait Kind {
    /// The schema's name, such as `UserId`.
    const NAME: &'static str;
}

/// Every id is a ULID string: 26 characters of Crockford's base 32.
#[cfg(feature = "openapi")]
impl<M: Kind> utoipa::PartialSchema for Id<M> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$"))
            .description(Some("A ULID: 26 characters of Crockford's base 32"))
            .examples(["01JDQ3W6Y5C8M7T2R4N9K0B1AZ"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl<M: Kind> utoipa::ToSchema for Id<M> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(M::NAME)
    }
}

markers! {
    /// Marks ids of attachments.
    AttachmentMarker => AttachmentId;
    /// Marks ids of audit log entries.
    AuditLogEntryMarker => AuditLogEntryId;
    /// Marks ids of channel categories.
    CategoryMarker => CategoryId;
    /// Marks ids of channels (all five types, threads included).
    ChannelMarker => ChannelId;
    /// Marks ids of messages.
    MessageMarker => MessageId;
    /// Marks ids of roles; a server's @everyone role has the server's id.
    RoleMarker => RoleId;
    /// Marks ids of servers (workspaces).
    ServerMarker => ServerId;
    /// Marks ids of login sessions (one per device, each with its refresh token).
    SessionMarker => SessionId;
    /// Marks ids of users, bots included.
    UserMarker => UserId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_strings_and_bytes() {
        let id: UserId = Id::from_ulid(Ulid::from_parts(1_700_000_000_000, 42));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
        assert_eq!(UserId::from_bytes(id.to_bytes()), id);
        assert!(serde_json::from_str::<UserId>("\"nope\"").is_err());
    }
}
