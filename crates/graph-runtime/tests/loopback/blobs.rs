//! Azure Storage blobs by a SAS URL (`Client::blob_upload`, `Client::blob_download`): an upload's
//! blocks then its block list, a download's ranges, the signature kept as the only credential,
//! retries, a renewed URL, a blob replaced mid-download, and errors that name the request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use graph_runtime::Error;
use wiremock::matchers::{header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const BLOB: &str = "/content/app.intunewin.bin";

/// The blob's URL on `server`, signed with `signature`.
fn sas_url(server: &MockServer, signature: &str) -> String {
    format!("{}{BLOB}?sv=2021-08-06&sr=b&sp=rw&sig={signature}", server.uri())
}

/// A renewal giving `renewed`, counted in `renewals`.
fn renewal(
    renewals: &Arc<AtomicUsize>,
    renewed: String,
) -> impl Fn() -> std::future::Ready<Result<String, Error>> + Send + 'static {
    let renewals = Arc::clone(renewals);
    move || {
        renewals.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(renewed.clone()))
    }
}

/// Every request the server received, as (query, body) pairs, after checking what each carries
/// whatever its kind.
async fn received(server: &MockServer) -> Vec<(String, Vec<u8>)> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|request| {
            assert_eq!(request.method.as_str(), "PUT");
            assert_eq!(request.url.path(), BLOB);
            assert_eq!(header(request, "authorization"), None, "the signature is the only credential");
            assert_eq!(header(request, "x-ms-version"), Some("2021-08-06"));
            (request.url.query().unwrap_or_default().to_owned(), request.body.clone())
        })
        .collect()
}

#[tokio::test]
async fn a_file_goes_up_block_by_block_then_its_block_list_commits_it() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).and(path(BLOB)).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    let content: Vec<u8> = (0u8..10).collect();

    let upload = client(&server.uri()).blob_upload(&sas_url(&server, "s1")).unwrap().block_size(4);
    assert!(!format!("{upload:?}").contains("sig="), "{upload:?}");
    upload.send(&content[..]).await.unwrap();

    let mut requests = received(&server).await;
    // The list comes last; the blocks, sent together, in any order.
    let (list_query, list) = requests.pop().unwrap();
    requests.sort();
    let signed = "sv=2021-08-06&sr=b&sp=rw&sig=s1";
    assert_eq!(list_query, format!("{signed}&comp=blocklist"));
    let queries: Vec<&str> = requests.iter().map(|(query, _)| query.as_str()).collect();
    assert_eq!(
        queries,
        [
            format!("{signed}&comp=block&blockid=00000000"),
            format!("{signed}&comp=block&blockid=00000001"),
            format!("{signed}&comp=block&blockid=00000002"),
        ]
    );
    let blocks: Vec<&[u8]> = requests.iter().map(|(_, body)| body.as_slice()).collect();
    assert_eq!(blocks, [&content[..4], &content[4..8], &content[8..]], "the last one short");
    let list = String::from_utf8(list).unwrap();
    assert_eq!(
        list,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>00000000</Latest>\
         <Latest>00000001</Latest><Latest>00000002</Latest></BlockList>"
    );
}

#[tokio::test]
async fn empty_content_commits_an_empty_blob() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).and(path(BLOB)).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    client(&server.uri()).blob_upload(&sas_url(&server, "s1")).unwrap().send(&[][..]).await.unwrap();
    let requests = received(&server).await;
    let [(query, body)] = requests.as_slice() else { panic!("{} requests", requests.len()) };
    assert!(query.ends_with("&comp=blocklist"), "{query}");
    assert!(String::from_utf8_lossy(body).ends_with("<BlockList></BlockList>"));
}

#[tokio::test]
async fn a_busy_block_is_sent_again_and_an_expired_signature_renewed_once() {
    let server = MockServer::start().await;
    // The first block is answered 503 once; the second, under the first signature, 403.
    Mock::given(method("PUT"))
        .and(query_param("blockid", "00000000"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(query_param("sig", "old"))
        .and(query_param("blockid", "00000001"))
        .respond_with(ResponseTemplate::new(403).insert_header("x-ms-error-code", "AuthenticationFailed"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(201)).with_priority(2).mount(&server).await;

    let renewals = Arc::new(AtomicUsize::new(0));
    client(&server.uri())
        .blob_upload(&sas_url(&server, "old"))
        .unwrap()
        .block_size(3)
        .parallel(1)
        .renew_url(renewal(&renewals, sas_url(&server, "new")))
        .send(&b"abcdef"[..])
        .await
        .unwrap();

    assert_eq!(renewals.load(Ordering::SeqCst), 1);
    let sent: Vec<String> = received(&server)
        .await
        .into_iter()
        .map(|(query, body)| {
            format!("{} {}", query.replace("sv=2021-08-06&sr=b&sp=rw&", ""), String::from_utf8_lossy(&body))
        })
        .collect();
    assert_eq!(
        sent[..4],
        [
            "sig=old&comp=block&blockid=00000000 abc",
            "sig=old&comp=block&blockid=00000000 abc",
            "sig=old&comp=block&blockid=00000001 def",
            "sig=new&comp=block&blockid=00000001 def",
        ]
    );
    assert!(sent[4].starts_with("sig=new&comp=blocklist "), "{sent:?}");
    assert_eq!(sent.len(), 5);
}

#[tokio::test]
async fn blocks_refused_together_renew_the_url_once() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(query_param("sig", "old"))
        .respond_with(ResponseTemplate::new(403).insert_header("x-ms-error-code", "AuthenticationFailed"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(query_param("sig", "new"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;

    let renewals = Arc::new(AtomicUsize::new(0));
    client(&server.uri())
        .blob_upload(&sas_url(&server, "old"))
        .unwrap()
        .block_size(1)
        .parallel(4)
        .renew_url(renewal(&renewals, sas_url(&server, "new")))
        .send(&b"abcd"[..])
        .await
        .unwrap();

    assert_eq!(renewals.load(Ordering::SeqCst), 1, "one renewal for the four refusals");
    let mut committed: Vec<String> = received(&server)
        .await
        .into_iter()
        .filter(|(query, _)| query.contains("sig=new"))
        .map(|(_, body)| String::from_utf8_lossy(&body).into_owned())
        .collect();
    let list = committed.pop().unwrap();
    committed.sort();
    assert_eq!(committed, ["a", "b", "c", "d"], "every block sent again with the new URL");
    assert!(list.contains("<Latest>00000003</Latest></BlockList>"), "{list}");
}

#[tokio::test]
async fn a_refusal_is_an_upload_error_naming_the_request_and_azure_storages_code() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(query_param("comp", "blocklist"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-ms-error-code", "InvalidBlockList")
                .insert_header("x-ms-request-id", "5e1f-request"),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(403)).mount(&server).await;
    let client = client(&server.uri());

    // A 403 without a way to renew the URL ends the upload at once.
    let error =
        client.blob_upload(&sas_url(&server, "secret-sig")).unwrap().send(&b"abc"[..]).await.unwrap_err();
    assert_eq!(error.to_string(), "Azure Storage, Put Block 1: answered 403 Forbidden");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(403));

    let error = client.blob_upload(&sas_url(&server, "secret-sig")).unwrap().send(&[][..]).await.unwrap_err();
    assert!(matches!(&error, Error::Storage { step, .. } if step == "Put Block List"), "{error:?}");
    assert_eq!(
        error.to_string(),
        "Azure Storage, Put Block List: answered 400 Bad Request: InvalidBlockList (request id \
         5e1f-request)"
    );
    assert_eq!(received(&server).await.len(), 2, "neither was sent again");
}

#[test]
fn a_signature_is_never_sent_in_the_clear_nor_shown() {
    let client = client("http://127.0.0.1:9");
    let refusal = |url: &str| match client.blob_upload(url) {
        Err(Error::Config(message)) => message,
        other => panic!("{other:?}"),
    };
    let message = refusal("http://contoso.blob.core.windows.net/c/b?sig=secret-sig");
    assert_eq!(
        message,
        "blob URL \"http://contoso.blob.core.windows.net/c/b\" is not https: its signature would be sent in the clear"
    );
    assert!(refusal("ftp://host/b?sig=secret-sig").starts_with("blob URL \"ftp://host/b\" is not a URL"));
    assert!(client.blob_upload("https://contoso.blob.core.windows.net/c/b?sig=s").is_ok());
    assert!(client.blob_upload("http://localhost:10000/devstoreaccount1/c/b?sig=s").is_ok(), "an emulator");
}

/// Content that gives `first` and then fails, as a file on a disk that went away would.
struct FailingAfter(&'static [u8]);

impl tokio::io::AsyncRead for FailingAfter {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buffer: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.0.is_empty() {
            return std::task::Poll::Ready(Err(std::io::Error::other("the disk went away")));
        }
        let n = self.0.len().min(buffer.remaining());
        buffer.put_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn unreadable_content_or_a_failed_renewal_ends_the_upload_saying_so() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(query_param("sig", "s1"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(403)).mount(&server).await;
    let client = client(&server.uri());

    let error = client
        .blob_upload(&sas_url(&server, "s1"))
        .unwrap()
        .block_size(2)
        .send(FailingAfter(b"ab"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Azure Storage, Put Block 2: the content could not be read: the disk went away"
    );
    // The block in flight, if any, is left uncommitted: Azure Storage discards it.

    let error = client
        .blob_upload(&sas_url(&server, "expired"))
        .unwrap()
        .renew_url(|| async { Err(Error::Config("renewUpload failed".to_owned())) })
        .send(&b"a"[..])
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Azure Storage, Put Block 1: its URL was refused, and renewing it failed: invalid client configuration: \
         renewUpload failed"
    );
    assert_eq!(error.status().map(|status| status.as_u16()), Some(403));
}

/// A storage service that takes a moment over each request, noting the most it had at once and
/// the order the requests came in.
#[derive(Clone, Default)]
struct Slow {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    urls: Arc<std::sync::Mutex<Vec<String>>>,
}

impl graph_runtime::Transport for Slow {
    fn send(
        &self,
        request: graph_runtime::transport::HttpRequest,
    ) -> graph_runtime::transport::TransportFuture<'_> {
        self.urls.lock().unwrap().push(request.url.to_string());
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            let created = graph_runtime::http::StatusCode::CREATED;
            Ok(graph_runtime::transport::HttpResponse::new(created, Default::default(), Vec::new()))
        })
    }
}

#[tokio::test]
async fn blocks_go_up_a_few_at_a_time_and_the_list_after_the_last() {
    let slow = Slow::default();
    let client = builder("http://127.0.0.1:9").transport(slow.clone()).build().unwrap();
    let upload = client.blob_upload("https://contoso.blob.core.windows.net/c/b?sig=s").unwrap();
    upload.block_size(2).parallel(3).send(&b"abcdefghijklmnop"[..]).await.unwrap();

    assert_eq!(
        slow.most.load(Ordering::SeqCst),
        3,
        "three blocks in flight at most, and at some point three"
    );
    let urls = slow.urls.lock().unwrap();
    assert_eq!(urls.len(), 9, "eight blocks and the list: {urls:?}");
    assert!(urls[8].ends_with("sig=s&comp=blocklist"), "{urls:?}");
}

/// A storage service no connection reaches, counting the attempts.
#[derive(Clone, Default)]
struct Unreachable(Arc<AtomicUsize>);

impl graph_runtime::Transport for Unreachable {
    fn send(
        &self,
        _: graph_runtime::transport::HttpRequest,
    ) -> graph_runtime::transport::TransportFuture<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {
            Err(graph_runtime::TransportError::new(
                graph_runtime::TransportErrorKind::Connect,
                "connection refused",
            ))
        })
    }
}

#[tokio::test]
async fn a_storage_service_that_cannot_be_reached_is_tried_as_the_retry_policy_allows() {
    let unreachable = Unreachable::default();
    let client = builder("http://127.0.0.1:9")
        .retry_policy(fast_retries().with_max_retries(2))
        .transport(unreachable.clone())
        .build()
        .unwrap();
    let error = client
        .blob_upload("https://contoso.blob.core.windows.net/c/b?sig=secret-sig")
        .unwrap()
        .send(&b"a"[..])
        .await
        .unwrap_err();
    assert_eq!(unreachable.0.load(Ordering::SeqCst), 3, "the first try and two retries");
    let Error::Storage { step, status: None, source: Some(source), .. } = &error else { panic!("{error:?}") };
    assert_eq!(step, "Put Block 1");
    let transport = source.downcast_ref::<graph_runtime::TransportError>().unwrap();
    assert_eq!(transport.kind(), graph_runtime::TransportErrorKind::Connect);
    assert!(!error.to_string().contains("secret-sig"), "{error}");
}

/// A blob served as Azure Storage serves it: the range `x-ms-range` asks for, answered `206` with
/// its `Content-Range` and the blob's `ETag`, or `412` when `If-Match` names another version.
struct RangedBlob {
    content: Vec<u8>,
    etag: &'static str,
}

impl wiremock::Respond for RangedBlob {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        if header(request, "if-match").is_some_and(|version| version != self.etag) {
            return ResponseTemplate::new(412).insert_header("x-ms-error-code", "ConditionNotMet");
        }
        let size = self.content.len();
        let Some(asked) = header(request, "x-ms-range") else {
            return ResponseTemplate::new(200)
                .insert_header("etag", self.etag)
                .set_body_bytes(self.content.clone());
        };
        let (first, last) = asked.strip_prefix("bytes=").and_then(|range| range.split_once('-')).unwrap();
        let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
        if first >= size {
            return ResponseTemplate::new(416).insert_header("x-ms-error-code", "InvalidRange");
        }
        let last = last.min(size - 1);
        ResponseTemplate::new(206)
            .insert_header("etag", self.etag)
            .insert_header("content-range", format!("bytes {first}-{last}/{size}").as_str())
            .set_body_bytes(self.content[first..=last].to_vec())
    }
}

/// The `x-ms-range` of each request the server received, after checking what each carries.
async fn ranges_asked(server: &MockServer) -> Vec<(Option<String>, Option<String>)> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|request| {
            assert_eq!(request.method.as_str(), "GET");
            assert_eq!(request.url.query(), Some("sv=2021-08-06&sr=b&sp=rw&sig=read"), "the URL as signed");
            assert_eq!(header(request, "authorization"), None, "the signature is the only credential");
            assert_eq!(header(request, "x-ms-version"), Some("2021-08-06"));
            (header(request, "x-ms-range").map(str::to_owned), header(request, "if-match").map(str::to_owned))
        })
        .collect()
}

#[tokio::test]
async fn a_download_comes_range_by_range_in_order_each_of_the_first_ranges_version() {
    let server = MockServer::start().await;
    let content: Vec<u8> = (0u8..10).collect();
    Mock::given(method("GET"))
        .and(path(BLOB))
        .respond_with(RangedBlob { content: content.clone(), etag: "\"0x8DA1\"" })
        .mount(&server)
        .await;

    let download = client(&server.uri()).blob_download(&sas_url(&server, "read")).unwrap().range_size(4);
    assert!(!format!("{download:?}").contains("sig="), "{download:?}");
    let mut written = Vec::new();
    assert_eq!(download.parallel(2).write_to(&mut written).await.unwrap(), 10);
    assert_eq!(written, content);

    let mut asked = ranges_asked(&server).await;
    assert_eq!(asked.remove(0), (Some("bytes=0-3".to_owned()), None), "the first range, of any version");
    asked.sort();
    let version = Some("\"0x8DA1\"".to_owned());
    assert_eq!(
        asked,
        [(Some("bytes=4-7".to_owned()), version.clone()), (Some("bytes=8-9".to_owned()), version)]
    );
}

#[tokio::test]
async fn an_empty_blob_and_one_sent_whole_are_downloaded_as_they_come() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BLOB))
        .respond_with(RangedBlob { content: Vec::new(), etag: "\"0x8DA2\"" })
        .mount(&server)
        .await;
    let empty =
        client(&server.uri()).blob_download(&sas_url(&server, "read")).unwrap().bytes().await.unwrap();
    assert!(empty.is_empty());
    // An empty blob has no byte 0 (416): it is asked for without a range.
    assert_eq!(ranges_asked(&server).await, [(Some("bytes=0-8388607".to_owned()), None), (None, None)]);

    // A server that does not cut blobs (an emulator, a proxy) answers the first request whole.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PK\x03\x04report".to_vec()))
        .mount(&server)
        .await;
    let download = client(&server.uri()).blob_download(&sas_url(&server, "read")).unwrap().range_size(4);
    assert_eq!(&download.bytes().await.unwrap()[..], b"PK\x03\x04report");
    assert_eq!(ranges_asked(&server).await.len(), 1);
}

#[tokio::test]
async fn a_range_is_tried_again_when_busy_and_a_blob_replaced_meanwhile_fails_the_download() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_exists("if-match"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(BLOB))
        .respond_with(RangedBlob { content: b"PK\x03\x04report".to_vec(), etag: "\"v1\"" })
        .with_priority(2)
        .mount(&server)
        .await;
    let zip = client(&server.uri())
        .blob_download(&sas_url(&server, "read"))
        .unwrap()
        .range_size(8)
        .bytes()
        .await
        .unwrap();
    assert_eq!(&zip[..], b"PK\x03\x04report");
    assert_eq!(ranges_asked(&server).await.len(), 3, "the first range, the busy answer, the second range");

    // The blob is replaced after its first range: the next one is of another version.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_exists("if-match"))
        .respond_with(RangedBlob { content: b"PK\x03\x04replaced".to_vec(), etag: "\"v2\"" })
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(RangedBlob { content: b"PK\x03\x04report".to_vec(), etag: "\"v1\"" })
        .with_priority(2)
        .mount(&server)
        .await;
    let mut written = Vec::new();
    let download = client(&server.uri()).blob_download(&sas_url(&server, "read")).unwrap().range_size(8);
    let error = download.write_to(&mut written).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Azure Storage, Get Blob, bytes 8-9: the blob changed during the download (answered 412 Precondition \
         Failed: ConditionNotMet)"
    );
    assert_eq!(written, b"PK\x03\x04repo", "the first range stays written");
}

#[tokio::test]
async fn a_range_other_than_the_one_asked_for_fails_the_download() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(206)
                .insert_header("content-range", "bytes 0-1/10")
                .set_body_bytes(b"PK".to_vec()),
        )
        .mount(&server)
        .await;
    let download = client(&server.uri()).blob_download(&sas_url(&server, "read")).unwrap().range_size(4);
    let error = download.bytes().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Azure Storage, Get Blob, bytes 0-3: it answered 206 Partial Content with bytes 0-1 of 10 (2 bytes) \
         rather than the bytes asked for"
    );
}

#[tokio::test]
async fn a_missing_blob_is_a_storage_error_naming_get_blob() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).insert_header("x-ms-error-code", "BlobNotFound"))
        .mount(&server)
        .await;
    let download = client(&server.uri()).blob_download(&sas_url(&server, "secret-sig")).unwrap();
    let error = download.bytes().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Azure Storage, Get Blob, bytes 0-8388607: answered 404 Not Found: BlobNotFound"
    );
    assert!(matches!(error, Error::Storage { ref step, .. } if step == "Get Blob, bytes 0-8388607"));
}

/// A file that cannot be written: the disk is full.
struct FullDisk;

impl tokio::io::AsyncWrite for FullDisk {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Err(std::io::Error::from(std::io::ErrorKind::StorageFull)))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_download_that_cannot_be_written_fails_saying_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(RangedBlob { content: b"PK\x03\x04report".to_vec(), etag: "\"v1\"" })
        .mount(&server)
        .await;
    let download = client(&server.uri()).blob_download(&sas_url(&server, "read")).unwrap();
    let error = download.write_to(FullDisk).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Azure Storage, Get Blob: the content could not be written: no storage space"
    );
    let Error::Storage { source: Some(source), .. } = &error else { panic!("{error:?}") };
    assert_eq!(
        source.downcast_ref::<std::io::Error>().map(std::io::Error::kind),
        Some(std::io::ErrorKind::StorageFull)
    );
}
