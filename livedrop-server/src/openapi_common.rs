//! What every route of the OpenAPI document shares, added to the finished document once
//! instead of on each handler, where one forgotten line would make the document looser
//! than the server (which applies these to every route alike):
//! - a JSON request body can be refused with `413 payload_too_large` (over
//!   [`JSON_BODY_LIMIT`](crate::extract::JSON_BODY_LIMIT)) and `415 unsupported_media_type`
//!   (not `application/json`);
//! - every request may send, and every answer carries, an `X-Request-Id`;
//! - every answer of a rate-limited route carries `RateLimit` and `RateLimit-Policy`.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, RefOr, Required, Response};

/// The document with the shared parts above added to each operation.
pub fn with_common_parts(mut doc: OpenApi) -> OpenApi {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_body_refusals(operation);
            add_request_id(operation);
            add_rate_limit_headers(operation);
        }
    }
    doc
}

fn add_body_refusals(operation: &mut Operation) {
    let takes_json = operation
        .request_body
        .as_ref()
        .is_some_and(|body| match body {
            RefOr::T(body) => body.content.contains_key("application/json"),
            // None of the routes shares a request body by reference.
            RefOr::Ref(_) => false,
        });
    if !takes_json {
        return;
    }
    let responses = &mut operation.responses.responses;
    for (status, name) in [("413", "PayloadTooLarge"), ("415", "UnsupportedMediaType")] {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(utoipa::openapi::Ref::from_response_name(name)));
    }
}

fn add_request_id(operation: &mut Operation) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    parameters.push(RefOr::T(request_id_parameter()));
    for_each_response(operation, |response| {
        response.headers.insert(
            crate::REQUEST_ID.to_owned(),
            header(
                "The request's id: the caller's `X-Request-Id` when it was usable, else a fresh UUID",
            ),
        );
    });
}

/// A route is rate limited exactly when it can answer `429`.
fn add_rate_limit_headers(operation: &mut Operation) {
    if !operation.responses.responses.contains_key("429") {
        return;
    }
    for_each_response(operation, |response| {
        response.headers.insert(
            "RateLimit-Policy".to_owned(),
            header("The caller's bucket for this route class: `\"read\";q=100;w=2` (`q` requests per `w` seconds)"),
        );
        response.headers.insert(
            "RateLimit".to_owned(),
            header("What is left of it: `\"read\";r=42;t=1` (`r` requests now, full again in `t` seconds)"),
        );
    });
}

/// Applies `change` to each inline response (the shared ones in `components` are named by
/// reference and left alone).
fn for_each_response(operation: &mut Operation, mut change: impl FnMut(&mut Response)) {
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            change(response);
        }
    }
}

fn request_id_parameter() -> Parameter {
    // Any value is taken (an unusable one is replaced, not refused), so the schema is a
    // plain string.
    let id = ObjectBuilder::new().schema_type(Type::String).build();
    ParameterBuilder::new()
        .name(crate::REQUEST_ID)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Your id for the request, echoed back and in every log line of it: kept when it \
             is 1 to 128 visible ASCII characters, else replaced by a fresh UUID",
        ))
        .schema(Some(id))
        .build()
}

fn header(description: &str) -> RefOr<Header> {
    RefOr::T(
        HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some(description))
            .build(),
    )
}
