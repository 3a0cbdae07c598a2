//! Every REST route, in one table that both builds the router and writes the OpenAPI
//! document, so that the two cannot drift apart.

mod account;
mod admin;
mod attachments;
mod audit;
mod auth;
mod channels;
mod gateway;
mod invites;
mod members;
mod messages;
mod notifications;
mod reactions;
mod relationships;
mod roles;
mod servers;
mod users;

use axum::routing::MethodRouter;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

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

/// One route: method, path under `/api/v1`, what it does, what it takes and answers, its
/// rate-limit bucket and its handler.
pub(crate) struct Route {
    pub(crate) access: Access,
    pub(crate) bucket: Bucket,
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) doc: Doc,
    pub(crate) handler: MethodRouter<AppState>,
}

/// Adds a type's schema (and every schema it refers to) to `schemas` and answers a reference
/// to it.
pub(crate) type SchemaFn = fn(&mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema>;

/// What the OpenAPI document says of a route besides its path and summary.
pub(crate) struct Doc {
    /// Its query parameters.
    pub(crate) query: Option<fn() -> Vec<Parameter>>,
    /// Its JSON body, and whether it must be there.
    pub(crate) body: Option<(SchemaFn, bool)>,
    /// Whether the body may also be `multipart/form-data` with files.
    pub(crate) files: bool,
    /// The success answer.
    pub(crate) answer: Answer,
    /// Statuses it may answer beyond the ones every route of its kind may.
    pub(crate) also: &'static [u16],
}

/// A reference to `T`'s schema, which goes into `schemas` with those it refers to.
pub(crate) fn reference<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// An array of `T`.
pub(crate) fn list<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    ArrayBuilder::new().items(reference::<T>(schemas)).into()
}

/// `T`'s fields as query parameters.
pub(crate) fn query<T: IntoParams>() -> Vec<Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

/// A route's success: its status, and its body's schema and media type (none for 204).
#[derive(Clone, Copy)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) schema: Option<SchemaFn>,
    pub(crate) media: &'static [&'static str],
}

/// Success answers: 200 with `T`, 201 with a created `T`, 200 with an array of `T`, 204, or
/// the bytes of a file.
pub(crate) mod answer {
    use super::{Answer, SchemaFn, ToSchema, list, reference};
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};

    /// The types a file is served as: those shown inline, else bytes.
    pub(crate) const FILE_TYPES: &[&str] = &[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "video/mp4",
        "video/webm",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "text/plain",
        "application/octet-stream",
    ];

    const fn json(status: u16, schema: SchemaFn) -> Answer {
        Answer {
            status,
            schema: Some(schema),
            media: &["application/json"],
        }
    }

    pub(crate) fn ok<T: ToSchema>() -> Answer {
        json(200, reference::<T>)
    }

    pub(crate) fn created<T: ToSchema>() -> Answer {
        json(201, reference::<T>)
    }

    pub(crate) fn list_of<T: ToSchema>() -> Answer {
        json(200, list::<T>)
    }

    pub(crate) fn no_content() -> Answer {
        Answer {
            status: 204,
            schema: None,
            media: &[],
        }
    }

    pub(crate) fn file() -> Answer {
        fn binary(_: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .into()
        }
        Answer {
            status: 200,
            schema: Some(binary),
            media: FILE_TYPES,
        }
    }
}

/// Implemented by a handler whose last argument is the extractor `E`: how the route table's
/// `body` and `query` types are checked against the handler's at compile time.
pub(crate) trait LastArgument<E, Args> {}

macro_rules! last_argument {
    ($($arg:ident),*) => {
        impl<F, Fut, E, $($arg),*> LastArgument<E, ($($arg,)*)> for F where F: FnOnce($($arg,)* E) -> Fut {}
    };
}
last_argument!();
last_argument!(A1);
last_argument!(A1, A2);
last_argument!(A1, A2, A3);
last_argument!(A1, A2, A3, A4);
last_argument!(A1, A2, A3, A4, A5);

/// Compiles only when `handler`'s last argument is `E`.
pub(crate) const fn takes_last<E, Args, F: LastArgument<E, Args>>(_handler: &F) {}

/// `Some` of its argument, or `None` without one.
macro_rules! maybe {
    () => {
        None
    };
    ($value:expr) => {
        Some($value)
    };
}
pub(crate) use maybe;

/// Declares a route:
///
/// ```text
/// route!(User(MessageSend), post "/channels/{channel_id}/messages" => create_message,
///        created(Message), "summary", query Q, body B, also 409)
/// ```
///
/// `User` or `Public` with an optional rate-limit bucket of its own; the success answer
/// (`ok(T)`, `created(T)`, `list_of(T)` or `no_content`); then the query's type
/// (`IntoParams`), the body's (`body`, `optional_body` when it may be left out, or `upload`
/// when it may also be `multipart/form-data` with files), and the statuses it may answer
/// beyond the usual ones. The router and the OpenAPI document are both built from
/// these lines, and the query and body types must be the handler's last argument's
/// (`Params<Q>`, `Body<B>`, `OptionalBody<B>`), or it does not compile.
macro_rules! route {
    ($access:ident $(($bucket:ident))?, $method:ident $path:literal => $handler:path,
     $answer:ident $(($answer_type:ty))?, $summary:literal
     $(, query $query:ty)? $(, body $body:ty)? $(, optional_body $optional:ty)? $(, upload $upload:ty)?
     $(, also $($status:literal)+)?) => {
        $crate::http::routes::Route {
            access: $crate::http::routes::Access::$access,
            bucket: $crate::http::routes::Access::$access
                .bucket(None $(.or(Some($crate::ratelimit::Bucket::$bucket)))?),
            method: stringify!($method),
            path: $path,
            summary: $summary,
            doc: $crate::http::routes::Doc {
                query: $crate::http::routes::maybe!($($crate::http::routes::query::<$query>)?),
                body: $crate::http::routes::maybe!(
                    $(($crate::http::routes::reference::<$body>, true))?
                    $(($crate::http::routes::reference::<$optional>, false))?
                    $(($crate::http::routes::reference::<$upload>, true))?
                ),
                files: false $(|| { let _: Option<$upload> = None; true })?,
                answer: $crate::http::routes::answer::$answer $(::<$answer_type>)? (),
                also: &[$($($status),+)?],
            },
            handler: {
                $($crate::http::routes::takes_last::<$crate::http::extract::Params<$query>, _, _>(&$handler);)?
                $($crate::http::routes::takes_last::<$crate::http::extract::Body<$body>, _, _>(&$handler);)?
                $($crate::http::routes::takes_last::<$crate::http::extract::OptionalBody<$optional>, _, _>(&$handler);)?
                $($crate::http::routes::takes_last::<$crate::http::upload::Upload<$upload>, _, _>(&$handler);)?
                axum::routing::$method($handler)
            },
        }
    };
}
pub(crate) use route;

/// Every route of the API.
pub(crate) fn all() -> Vec<Route> {
    [
        auth::routes(),
        account::routes(),
        admin::routes(),
        attachments::routes(),
        gateway::routes(),
        users::routes(),
        servers::routes(),
        members::routes(),
        audit::routes(),
        roles::routes(),
        invites::routes(),
        channels::routes(),
        messages::routes(),
        notifications::routes(),
        reactions::routes(),
        relationships::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
