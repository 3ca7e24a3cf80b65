//! Graph's answers compressed with gzip (the `gzip` feature): each request asks for them
//! (`Accept-Encoding: gzip`), and each answer is decompressed before anything reads it, so that
//! errors, pages and batches read as if it had come uncompressed.

use std::io::Read;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH};

use crate::transport::{HttpResponse, TransportError, TransportErrorKind};

/// What a Graph request's `Accept-Encoding` says, unless the caller set its own.
pub(crate) const ACCEPTED: HeaderValue = HeaderValue::from_static("gzip");

/// `response` with its body decompressed if it came gzip-compressed, and without the headers that
/// described the compressed body (`Content-Encoding`, `Content-Length`). An answer in another
/// encoding, or in none, is left as it came.
pub(crate) fn decompressed(mut response: HttpResponse) -> Result<HttpResponse, TransportError> {
    if !is_gzip_alone(&response.headers) {
        return Ok(response);
    }
    // A `HEAD` or a `204` may name the encoding and have no body.
    if !response.body.is_empty() {
        let mut body = Vec::with_capacity(response.body.len().saturating_mul(4));
        flate2::read::MultiGzDecoder::new(&response.body[..]).read_to_end(&mut body).map_err(|error| {
            let why = format!("the gzip-compressed answer could not be decompressed: {error}");
            TransportError::new(TransportErrorKind::Body, why)
        })?;
        response.body = Bytes::from(body);
    }
    response.headers.remove(CONTENT_ENCODING);
    response.headers.remove(CONTENT_LENGTH);
    Ok(response)
}

/// Whether the codings `Content-Encoding` lists, over all its field lines, are gzip and nothing
/// else: `x-gzip` is gzip (RFC 9110 §8.4.1.3), `identity` and empty list elements are no coding
/// (§5.6.1). Anything more (gzip then another coding) is left as it came.
fn is_gzip_alone(headers: &http::HeaderMap) -> bool {
    let mut codings = headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .map(|value| value.to_str().unwrap_or("unreadable"))
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"));
    let first_is_gzip = codings
        .next()
        .is_some_and(|coding| coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip"));
    first_is_gzip && codings.next().is_none()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use http::{HeaderMap, StatusCode};

    use super::*;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn answer(encoding: Option<&'static str>, body: Vec<u8>) -> HttpResponse {
        let mut headers = HeaderMap::new();
        if let Some(encoding) = encoding {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        HttpResponse::new(StatusCode::OK, headers, body)
    }

    #[test]
    fn a_gzip_answer_is_decompressed_and_others_are_left_as_they_came() {
        let json = br#"{"value":[{"id":"1"},{"id":"2"}]}"#;
        let decoded = decompressed(answer(Some("GZIP"), gzip(json))).unwrap();
        assert_eq!(&decoded.body[..], json);
        assert_eq!(decoded.headers.get(CONTENT_ENCODING), None);
        assert_eq!(decoded.headers.get(CONTENT_LENGTH), None, "it described the compressed body");

        let plain = decompressed(answer(None, json.to_vec())).unwrap();
        assert_eq!((&plain.body[..], plain.headers[CONTENT_LENGTH].to_str().unwrap()), (&json[..], "33"));
        let other = decompressed(answer(Some("br"), b"\x0b\x02\x80".to_vec())).unwrap();
        assert_eq!(other.headers[CONTENT_ENCODING], "br");

        let empty = decompressed(answer(Some("gzip"), Vec::new())).unwrap();
        assert!(empty.body.is_empty());
    }

    /// Answers every request with one gzip-compressed JSON object, and keeps the requests.
    #[derive(Default, Clone)]
    struct Compressing(std::sync::Arc<std::sync::Mutex<Vec<crate::transport::HttpRequest>>>);

    impl crate::Transport for Compressing {
        fn send(&self, request: crate::transport::HttpRequest) -> crate::transport::TransportFuture<'_> {
            self.0.lock().unwrap().push(request);
            let body = gzip(br#"{"id":"5f3b","displayName":"Kiosk"}"#);
            Box::pin(std::future::ready(Ok(answer(Some("gzip"), body))))
        }
    }

    #[tokio::test]
    async fn graph_is_asked_for_gzip_and_its_answer_read_as_json() {
        let transport = Compressing::default();
        let client = crate::Client::builder()
            .token_provider(crate::StaticToken::new("t0k"))
            .transport(transport.clone())
            .build()
            .unwrap();
        const GET: crate::Operation =
            crate::Operation::new(crate::Method::Get, "beta", "/deviceManagement/deviceConfigurations/{id}");
        let path = crate::RequestPath::root()
            .literal("deviceManagement")
            .literal("deviceConfigurations")
            .param("5f3b");
        let read: serde_json::Value = client.send_json::<(), _>(GET, &path, None).await.unwrap();
        assert_eq!(read["displayName"], "Kiosk");
        // Unless the caller asks for another encoding.
        let identity =
            crate::Request::<crate::Raw>::new(&client, GET, path).header("Accept-Encoding", "identity");
        identity.await.unwrap();
        let requests = transport.0.lock().unwrap();
        let asked: Vec<_> =
            requests.iter().map(|request| request.headers[http::header::ACCEPT_ENCODING].clone()).collect();
        assert_eq!(asked, ["gzip", "identity"]);
    }

    #[test]
    fn gzip_is_recognised_however_the_header_lists_it() {
        let json = br#"{"id":"1"}"#;
        for encoding in ["x-gzip", "gzip,", " , gzip", "identity, gzip"] {
            let decoded = decompressed(answer(Some(encoding), gzip(json))).unwrap();
            assert_eq!(&decoded.body[..], json, "{encoding:?}");
        }
        let mut split = answer(None, gzip(json));
        split.headers.append(CONTENT_ENCODING, HeaderValue::from_static("identity"));
        split.headers.append(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(&decompressed(split).unwrap().body[..], json, "over two field lines");

        for encoding in ["gzip, br", "deflate", "gzipped"] {
            let left = decompressed(answer(Some(encoding), b"\x0b\x02\x80".to_vec())).unwrap();
            assert_eq!(left.headers[CONTENT_ENCODING], encoding, "{encoding:?} is left as it came");
        }
    }

    #[test]
    fn a_broken_gzip_answer_is_a_body_error() {
        let mut broken = gzip(b"{\"id\":\"1\"}");
        broken.truncate(broken.len() / 2);
        let error = decompressed(answer(Some("gzip"), broken)).unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Body);
        assert!(error.to_string().contains("could not be decompressed"), "{error}");
    }
}
