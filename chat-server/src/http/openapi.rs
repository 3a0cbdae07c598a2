//! The OpenAPI 3.1 document, written from the route table that also builds the router: every
//! route with its path and query parameters, the JSON Schema of its body and of each answer
//! (errors included; the schemas come from the wire types' `ToSchema`), the statuses it
//! answers and its security. Built once, served as bytes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::Json;
use axum::response::{IntoResponse, Response};
use chat_engine::id::{AttachmentId, CategoryId, ChannelId, MessageId, RoleId, ServerId, UserId};
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, RefOr, Required, SecurityRequirement,
};

use super::extract::TOKEN_COOKIE;
use super::routes::{self, Access, Route, reference};
use crate::error_body::ErrorBody;

/// The document, built once.
static DOCUMENT: LazyLock<OpenApi> = LazyLock::new(build);

/// `GET /api/v1/openapi.json`.
pub(super) async fn document() -> Response {
    Json(&*DOCUMENT).into_response()
}

/// The whole document.
pub(crate) fn build() -> OpenApi {
    let mut schemas = Vec::new();
    let mut paths: BTreeMap<String, PathItem> = BTreeMap::new();
    let mut tags = Vec::new();
    let routes = routes::all();
    for route in &routes {
        let tag = tag_of(route.path);
        if !tags.contains(&tag) {
            tags.push(tag.clone());
        }
        let operation = operation(route, &routes, tag, &mut schemas);
        let method = http_method(route.method);
        let path = format!("/api/v1{}", route.path);
        match paths.get_mut(&path) {
            Some(item) => item.merge_operations(PathItem::new(method, operation)),
            None => {
                paths.insert(path, PathItem::new(method, operation));
            }
        }
    }
    let error = reference::<ErrorBody>(&mut schemas);
    debug_assert!(matches!(error, RefOr::Ref(_)));
    let components = schemas
        .into_iter()
        .fold(ComponentsBuilder::new(), |components, (name, schema)| {
            components.schema(name, schema)
        })
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT, or a bot token")
                    .description(Some("`Authorization: Bearer <token>`: a user's access token from register, login or refresh, or a bot's token"))
                    .build(),
            ),
        )
        .security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                TOKEN_COOKIE,
                "The web client's httpOnly cookie; writes need this server's own Origin",
            ))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("chat")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The REST API of the chat server. Errors are `{\"code\", \"message\"}`; \
                     ids are ULID strings; lists are bare arrays; rate-limited answers carry \
                     `X-RateLimit-*` headers and a 429 also `Retry-After` (seconds).",
                ))
                .build(),
        )
        .paths(
            paths
                .into_iter()
                .fold(PathsBuilder::new(), |builder, (path, item)| {
                    builder.path(path, item)
                }),
        )
        .components(Some(components))
        .tags(Some(
            tags.into_iter()
                .map(|tag| TagBuilder::new().name(tag).build()),
        ))
        .build()
}

/// One route's operation.
fn operation(
    route: &Route,
    routes: &[Route],
    tag: String,
    schemas: &mut Vec<(String, RefOr<Schema>)>,
) -> utoipa::openapi::path::Operation {
    let mut parameters: Vec<Parameter> = path_names(route.path)
        .iter()
        .map(|name| path_parameter(route.path, name, schemas))
        .collect();
    if let Some(query) = route.doc.query {
        parameters.extend(query());
    }
    let status = route.doc.answer.status;
    let media = route.doc.answer.media;
    let success = match route.doc.answer.schema {
        Some(schema) => {
            let schema = schema(schemas);
            let mut response = ResponseBuilder::new().description(route.summary);
            if status == 201 {
                for (name, link) in links_from(&schema, routes) {
                    response = response.link(name, link);
                }
            }
            for kind in media {
                response = response.content(
                    *kind,
                    ContentBuilder::new().schema(Some(schema.clone())).build(),
                );
            }
            response
        }
        None => ResponseBuilder::new().description("done; no body"),
    };
    let mut responses = ResponsesBuilder::new().response(status.to_string(), success.build());
    for (code, why) in error_statuses(route) {
        responses = responses.response(code.to_string(), error_response(code, why));
    }
    let mut operation = OperationBuilder::new()
        .tag(tag)
        .summary(Some(route.summary))
        .operation_id(Some(operation_id(route)))
        .parameters(Some(parameters))
        .responses(responses.build());
    if let Some((schema, required)) = route.doc.body {
        let required = if required {
            Required::True
        } else {
            Required::False
        };
        let mut body = RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema(schemas))).build(),
            )
            .required(Some(required));
        if route.doc.files {
            body = body.content(
                "multipart/form-data",
                ContentBuilder::new()
                    .schema(Some(with_files(schema(schemas))))
                    .build(),
            );
        }
        operation = operation.request_body(Some(body.build()));
    }
    if route.access == Access::User {
        operation = operation
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .security(SecurityRequirement::new("cookie", Vec::<String>::new()));
    }
    operation.build()
}

/// The error statuses a route may answer, with why: the ones every route of its kind may,
/// and those its line in the table adds.
fn error_statuses(route: &Route) -> Vec<(u16, &'static str)> {
    let takes_input =
        route.path.contains('{') || route.doc.query.is_some() || route.doc.body.is_some();
    let writes = route.method != "get";
    let mut statuses = Vec::new();
    if takes_input {
        statuses.push((
            400,
            "invalid input: `validation`, `invalid_body`, `invalid_query` or `invalid_id`",
        ));
    }
    if route.access == Access::User {
        statuses.push((
            401,
            "`unauthorized`: no token, or one that is expired or revoked",
        ));
    }
    if route.access == Access::User || writes {
        statuses.push((403, "`forbidden` or `missing_permissions`; `csrf` for a cookie-authenticated write from another origin"));
    }
    if route.path.contains('{') || route.doc.body.is_some() {
        statuses.push((
            404,
            "`not_found`: it does not exist, or the caller may not see it",
        ));
    }
    for &status in route.doc.also {
        let why = match status {
            401 => {
                "`unauthorized`: wrong credentials, or a refresh token that is unknown, expired or already used"
            }
            409 => "`conflict`: it clashes with what exists",
            _ => "see the summary",
        };
        statuses.push((status, why));
    }
    if route.doc.body.is_some() {
        statuses.push((413, "the body is over the size limit"));
    }
    statuses.push((429, "`rate_limited`: wait `Retry-After` seconds"));
    statuses.sort_unstable();
    statuses
}

fn error_response(status: u16, why: &str) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(why).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "Error",
            ))))
            .build(),
    );
    if status == 429 {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .description(Some("Seconds to wait"))
                .build(),
        );
    }
    response.build()
}

/// Which path parameters a created resource of each kind fills in, from where in its body.
const PROVIDES: &[(&str, &[(&str, &str)])] = &[
    ("Server", &[("server_id", "/id")]),
    (
        "Channel",
        &[("channel_id", "/id"), ("server_id", "/server_id")],
    ),
    (
        "Category",
        &[("category_id", "/id"), ("server_id", "/server_id")],
    ),
    ("Role", &[("role_id", "/id"), ("server_id", "/server_id")]),
    (
        "Message",
        &[("message_id", "/id"), ("channel_id", "/channel_id")],
    ),
    ("Invite", &[("code", "/code"), ("server_id", "/server_id")]),
];

/// Links from a created resource to every operation on it (whose path it fills in entirely
/// and whose first own parameter is the resource's id), so that a client or a stateful
/// fuzzer can follow a creation to what can be done with it.
fn links_from(created: &RefOr<Schema>, routes: &[Route]) -> Vec<(String, Link)> {
    let RefOr::Ref(reference) = created else {
        return Vec::new();
    };
    let name = reference
        .ref_location
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let Some((_, provided)) = PROVIDES.iter().find(|(kind, _)| *kind == name) else {
        return Vec::new();
    };
    let own_id = provided[0].0;
    routes
        .iter()
        .filter_map(|target| {
            let names = path_names(target.path);
            let fills = names.iter().all(|n| provided.iter().any(|(p, _)| p == n));
            if !fills || !names.contains(&own_id) {
                return None;
            }
            let link = names
                .iter()
                .fold(
                    LinkBuilder::new().operation_id(operation_id(target)),
                    |link, n| {
                        let pointer = provided
                            .iter()
                            .find(|(p, _)| p == n)
                            .map_or("", |(_, at)| at);
                        link.parameter(*n, format!("$response.body#{pointer}"))
                    },
                )
                .build();
            Some((operation_id(target), link))
        })
        .collect()
}

/// The names of a path's parameters, in order.
fn path_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// The multipart form of a body: the JSON in `payload_json`, files in `files[0]` … `files[9]`.
fn with_files(payload: RefOr<Schema>) -> RefOr<Schema> {
    let file = || {
        ObjectBuilder::new().schema_type(Type::String).format(Some(
            utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Binary),
        ))
    };
    let mut form = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("payload_json", payload)
        .required("payload_json")
        .description(Some(
            "The JSON body in `payload_json`, and up to 10 files, `files[0]` to `files[9]`",
        ));
    for n in 0..chat_engine::limits::MAX_FILES {
        form = form.property(format!("files[{n}]"), file());
    }
    form.into()
}

/// A path parameter, typed by its name.
fn path_parameter(path: &str, name: &str, schemas: &mut Vec<(String, RefOr<Schema>)>) -> Parameter {
    let string = |description: &str| -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .description(Some(description))
            .into()
    };
    let schema = match name {
        "server_id" => reference::<ServerId>(schemas),
        "channel_id" => reference::<ChannelId>(schemas),
        "message_id" => reference::<MessageId>(schemas),
        "role_id" => reference::<RoleId>(schemas),
        "category_id" => reference::<CategoryId>(schemas),
        "attachment_id" => reference::<AttachmentId>(schemas),
        "user_id" if path.contains("/members/") => OneOfBuilder::new()
            .item(reference::<UserId>(schemas))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["@me"])),
            )
            .description(Some("A user's id, or `@me` for the caller"))
            .into(),
        "user_id" => reference::<UserId>(schemas),
        "target_id" => ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$"))
            .description(Some(
                "The id of a role (the server's id for @everyone) or of a member",
            ))
            .into(),
        "code" => string("An invite code"),
        "emoji" => string("A Unicode emoji, or `name:id` of a custom one"),
        "filename" => string("The attachment's file name"),
        other => string(other),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(schema))
        .build()
}

/// `get_channels_channel_id_messages`, unique per method and path.
fn operation_id(route: &Route) -> String {
    format!(
        "{}_{}",
        route.method,
        route
            .path
            .replace(['/', '{', '}', '@', '-'], "_")
            .trim_matches('_')
    )
}

/// The first segment of the path names the operation's group: `servers`, `channels`, ...
fn tag_of(path: &str) -> String {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn http_method(method: &str) -> HttpMethod {
    match method {
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn every_route_is_documented_with_its_status() -> TestResult {
        let doc = serde_json::to_value(build())?;
        let routes = routes::all();
        for route in &routes {
            let path = format!("/api/v1{}", route.path);
            let operation = &doc["paths"][&path][route.method];
            assert!(operation.is_object(), "{} {path} is missing", route.method);
            let status = route.doc.answer.status.to_string();
            assert!(
                operation["responses"][&status].is_object(),
                "{} {path}: no {status}",
                route.method
            );
        }
        assert!(routes.len() >= 60, "{} routes", routes.len());
        Ok(())
    }

    #[test]
    fn every_reference_resolves() -> TestResult {
        let doc = serde_json::to_value(build())?;
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"]
            .as_object()
            .ok_or("no schemas")?;
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(
                schemas.contains_key(name),
                "{name} is referred to but not defined"
            );
        }
        Ok(())
    }
}
