//! `fetch`: sends a core [`HttpRequest`] and reads the answer into an [`HttpResponse`].

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, Response};

use super::{js_error_name, object, window};
use crate::core::Error;
use crate::core::{AccessToken, ApiResponse, Credentials, HttpRequest, HttpResponse};

/// Response headers the core reads. Cross-origin, `Date` and `Retry-After` are readable only
/// when the server lists them in `Access-Control-Expose-Headers` (`Content-Type` and
/// `Cache-Control` always are).
const READ_HEADERS: [&str; 4] = ["date", "retry-after", "content-type", "cache-control"];

/// Sends the request without the HTTP cache, and without cookies unless the request asks for
/// them ([`HttpRequest::credentials`]: only a guest token endpoint may), refusing redirects for
/// a request that carries a secret ([`HttpRequest::follows_redirects`]). Any failure to get a
/// response (offline, DNS, CORS refusal) is [`Error::Network`], with the exception's name.
pub async fn send(request: HttpRequest) -> Result<HttpResponse, Error> {
    let req = browser_request(&request)?;
    let response = fetch_request(&req).await?;
    let mut out = HttpResponse {
        status: response.status(),
        ..Default::default()
    };
    for name in READ_HEADERS {
        if let Ok(Some(v)) = response.headers().get(name) {
            out.headers.push((name.to_string(), v));
        }
    }
    let text = response.text().map_err(|e| network(&e))?;
    out.body = JsFuture::from(text)
        .await
        .map_err(|e| network(&e))?
        .as_string()
        .unwrap_or_default();
    Ok(out)
}

/// The browser's `Request` for `request` (see [`send`]). Its `init` is a plain object with
/// the members set as web-sys's `RequestInit` setters would, without an import (and a glue
/// function) per member (size).
#[inline(always)]
fn browser_request(request: &HttpRequest) -> Result<Request, Error> {
    let headers = Headers::new().map_err(|_| Error::Platform("Headers"))?;
    for (name, value) in &request.headers {
        headers
            .append(name, value)
            .map_err(|_| Error::Platform("Headers.append"))?;
    }
    let s = JsValue::from_str;
    let credentials = match request.credentials {
        Credentials::Omit => "omit",
        Credentials::SameOrigin => "same-origin",
        Credentials::Include => "include",
    };
    let init = object(&[
        ("method", &s(request.method.as_str())),
        ("headers", &headers),
        ("credentials", &s(credentials)),
        ("cache", &s("no-store")),
    ]);
    if !request.follows_redirects() {
        let _ = Reflect::set(&init, &s("redirect"), &s("error"));
    }
    if let Some(body) = &request.body {
        let _ = Reflect::set(&init, &s("body"), &s(body));
    }
    Request::new_with_str_and_init(&request.url, init.unchecked_ref()).map_err(|e| network(&e))
}

/// A failure to get a response, with the name of the exception behind it.
fn network(thrown: &JsValue) -> Error {
    Error::Network(js_error_name(thrown))
}

/// `window.fetch(request)`, with a rejection mapped to [`Error::Network`].
pub async fn fetch_request(request: &Request) -> Result<Response, Error> {
    let value = JsFuture::from(window()?.fetch_with_request(request))
        .await
        .map_err(|e| network(&e))?;
    value
        .dyn_into::<Response>()
        .map_err(|_| Error::Network(None))
}

impl ApiResponse for Response {
    fn status(&self) -> u16 {
        Response::status(self)
    }
}

/// The send function of [`crate::core::Client::call_api`] for the app's `request`: the first
/// call sends it with the given access token as its bearer; the second (after a 401) sends a
/// copy made before the first send, so its body goes again. Fails only when the request
/// cannot be copied (its body was already read).
pub fn bearer_sender(
    request: Request,
) -> Result<impl AsyncFnMut(&AccessToken) -> Result<Response, Error>, wasm_bindgen::JsValue> {
    let mut unsent = [Some(request.clone()?), Some(request)];
    Ok(async move |token: &AccessToken| {
        let request = unsent
            .iter_mut()
            .rev()
            .find_map(Option::take)
            .ok_or(Error::Platform("callApi sends a request at most twice"))?;
        request
            .headers()
            .set("Authorization", &token.bearer_header())
            .map_err(|_| Error::Platform("Headers.set"))?;
        fetch_request(&request).await
    })
}
