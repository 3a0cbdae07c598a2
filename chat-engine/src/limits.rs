//! The engine's limits, for clients that validate before sending. Compiled without any
//! feature.

use std::time::Duration;

/// Longest message, in characters.
pub const MAX_CONTENT: usize = 4000;
/// Most embeds on one message.
pub const MAX_EMBEDS: usize = 10;
/// Longest nonce, in bytes.
pub const MAX_NONCE: usize = 64;
/// Default history page.
pub const DEFAULT_PAGE: u32 = 50;
/// Largest history page.
pub const MAX_PAGE: u32 = 100;
/// Most pins a channel holds.
pub const MAX_PINS: usize = 50;
/// Most distinct emojis on one message.
pub const MAX_EMOJIS: usize = 20;
/// Most members one page lists.
pub const MAX_MEMBER_PAGE: usize = 1000;
/// Unread messages are counted up to this many.
pub const MAX_UNREAD_COUNT: usize = 1000;
/// One typing indicator per user and channel in this window.
pub const TYPING_INTERVAL: Duration = Duration::from_secs(5);
/// Longest search text.
pub const MAX_QUERY: usize = 512;
/// Largest page of results.
pub const MAX_RESULTS: usize = 100;
/// Furthest offset into the results.
pub const MAX_OFFSET: usize = 5_000;
/// Servers with more members than this get no presences in READY (clients ask for members
/// with Request Members instead), so that READY stays small in large servers.
pub const LARGE_SERVER: u32 = 250;

/// Most files on one message.
pub const MAX_FILES: usize = 10;

/// Channels of servers with at most this many members show read receipts (DMs always do).
pub const SMALL_CHANNEL: usize = 25;

/// Longest timeout, in seconds: 28 days.
pub const MAX_TIMEOUT_SECONDS: i64 = 28 * 24 * 3600;
/// Furthest back a ban deletes the user's messages, in seconds: 7 days.
pub const MAX_BAN_DELETE_SECONDS: u32 = 7 * 24 * 3600;
/// Fewest and most messages one bulk delete takes.
pub const BULK_DELETE: std::ops::RangeInclusive<usize> = 2..=100;
/// Most entries one audit log page answers.
pub const MAX_AUDIT_PAGE: usize = 100;
/// Most participants of a group DM, its owner included.
pub const MAX_GROUP_DM: usize = 10;
