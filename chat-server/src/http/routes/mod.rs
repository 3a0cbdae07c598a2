//! Every REST route, in one table that both builds the router and writes the OpenAPI
//! document, so that the two cannot drift apart.

mod auth;
mod channels;
mod gateway;
mod invites;
mod members;
mod messages;
mod reactions;
mod roles;
mod servers;
mod users;

use axum::routing::MethodRouter;

use crate::ratelimit::Bucket;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone; limited per IP.
    Public,
    /// A bearer token (or the token cookie); limited per user.
    User,
}

impl Access {
    /// A route's rate-limit bucket: the one it names, else the default of its access.
    pub(crate) fn bucket(self, named: Option<Bucket>) -> Bucket {
        named.unwrap_or(match self {
            Self::Public => Bucket::Auth,
            Self::User => Bucket::Global,
        })
    }
}

/// One route: method, path under `/api/v1`, what it does, its rate-limit bucket and its
/// handler.
pub(crate) struct Route {
    pub(crate) access: Access,
    pub(crate) body: Option<&'static str>,
    pub(crate) bucket: Bucket,
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) returns: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) handler: MethodRouter<AppState>,
}

/// Declares a route: `route!(Access, post "/path" => handler, "summary", body "Type", returns
/// "Type")`, or `route!(Access(Bucket), ...)` to count it in a rate-limit bucket of its own.
macro_rules! route {
    ($access:ident $(($bucket:ident))?, $method:ident $path:literal => $handler:path, $summary:literal $(, body $body:literal)?, returns $returns:literal) => {
        $crate::http::routes::Route {
            access: $crate::http::routes::Access::$access,
            body: None $(.or(Some($body)))?,
            bucket: $crate::http::routes::Access::$access
                .bucket(None $(.or(Some($crate::ratelimit::Bucket::$bucket)))?),
            method: stringify!($method),
            path: $path,
            returns: $returns,
            summary: $summary,
            handler: axum::routing::$method($handler),
        }
    };
}
pub(crate) use route;

/// Every route of the API.
pub(crate) fn all() -> Vec<Route> {
    [
        auth::routes(),
        gateway::routes(),
        users::routes(),
        servers::routes(),
        members::routes(),
        roles::routes(),
        invites::routes(),
        channels::routes(),
        messages::routes(),
        reactions::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
