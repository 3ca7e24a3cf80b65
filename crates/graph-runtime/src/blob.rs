//! Azure Storage blobs by a shared access signature (SAS) URL, which Graph hands out for what it
//! keeps outside itself: Intune gives one to upload each file of an app's content
//! (`mobileAppContentFile.azureStorageUri`), and one to download each exported report
//! (`deviceManagementExportJob.url`). An upload goes up as a block blob, block by block (`Put
//! Block`), then is committed by the list of its blocks (`Put Block List`); a download comes down
//! range by range (`Get Blob` with `x-ms-range`), each range checked to be of the version the
//! first one was. The URL's signature is the credential: the client's token never goes with these
//! requests, and no message shows the URL's query.

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_MATCH, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tracing::Instrument as _;

use crate::absolute_url::AbsoluteUrl;
use crate::response::{classify, Outcome};
use crate::transport::{HttpRequest, HttpResponse, TransportErrorKind};
use crate::{Client, Error};

/// The block size unless [`BlobUpload::block_size`] says otherwise: large enough for Azure Storage's
/// high-throughput path (over 4 MiB), small enough that a block sent again after a failure costs
/// little. A blob holds at most 50,000 blocks: 400 GB of these.
pub const DEFAULT_BLOCK_SIZE: usize = 8 * 1024 * 1024;

/// The largest block Azure Storage takes (4,000 MiB).
const MAX_BLOCK_SIZE: usize = 4000 * 1024 * 1024;

/// The most blocks a block blob may have.
const MAX_BLOCKS: usize = 50_000;

/// How many blocks are in flight at once unless [`BlobUpload::parallel`] says otherwise, as Azure's
/// own SDKs send them.
pub const DEFAULT_PARALLEL_BLOCKS: usize = 4;

/// The size of each range a download asks for unless [`BlobDownload::range_size`] says otherwise:
/// as many bytes as a block of an upload.
pub const DEFAULT_RANGE_SIZE: usize = DEFAULT_BLOCK_SIZE;

/// How many ranges of a download are in flight at once unless [`BlobDownload::parallel`] says
/// otherwise.
pub const DEFAULT_PARALLEL_RANGES: usize = 4;

/// The Azure Storage REST version the requests are written for.
const STORAGE_VERSION: &str = "2021-08-06";

/// Gets a new SAS URL when the one in use has expired (see [`BlobUpload::renew_url`]).
type Renew = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<String, Error>> + Send>> + Send>;

/// An upload of a file to an Azure Storage block blob by its SAS URL: from [`Client::blob_upload`],
/// then [`BlobUpload::send`]. It goes through the client's transport (its proxy, its trusted
/// roots) and within its [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests),
/// but without its token.
///
/// The content is read one block at a time (8 MiB unless [`BlobUpload::block_size`]), and up to
/// four blocks are in flight at once ([`BlobUpload::parallel`]), so a large file is never all in
/// memory. Each block, and the block list that commits them, is sent again as the client's
/// [`RetryPolicy`](crate::RetryPolicy) allows when the service answers 429, 500, 503 or 504
/// (honouring `Retry-After`) or the connection fails; a `403` (an expired signature) gets a new URL
/// from [`BlobUpload::renew_url`], when given, once per request.
///
/// For an Intune app's content file: create the file (`mobileAppContentFile`), read it again until
/// its `uploadState` is `azureStorageUriRequestSuccess`, upload the *encrypted* file (as the Intune
/// packaging tool writes it) to its `azureStorageUri`, renewing by the file's `renewUpload` action,
/// then `commit` it with its encryption information and wait for `commitFileSuccess`.
///
/// ```no_run
/// # async fn upload(client: graph_runtime::Client, sas_url: &str) -> Result<(), graph_runtime::Error> {
/// let file = tokio::fs::File::open("app.intunewin.bin")
///     .await
///     .map_err(|e| graph_runtime::Error::Config(e.to_string()))?;
/// client.blob_upload(sas_url)?.send(file).await?;
/// # Ok(())
/// # }
/// ```
pub struct BlobUpload {
    blob: Arc<Blob>,
    block_size: usize,
    parallel: usize,
}

/// A blob and what the requests to it share (among an upload's tasks, sending its blocks).
struct Blob {
    client: Client,
    /// The signed URL, replaced when renewed.
    url: Mutex<AbsoluteUrl>,
    /// Held while the URL is renewed, so that blocks refused together renew it once.
    renew: tokio::sync::Mutex<Option<Renew>>,
    /// Without the query (its signature), for logs and `Debug`.
    shown: String,
}

impl fmt::Debug for BlobUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobUpload")
            .field("blob", &self.blob.shown)
            .field("block_size", &self.block_size)
            .field("parallel", &self.parallel)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// An upload to the Azure Storage block blob at `sas_url`, a URL signed with a shared access
    /// signature that grants writing it. Fails if it is not an `https` URL (or `http` to this
    /// machine, as a local emulator's).
    pub fn blob_upload(&self, sas_url: &str) -> Result<BlobUpload, Error> {
        Ok(BlobUpload {
            blob: Arc::new(Blob::new(self, sas_url)?),
            block_size: DEFAULT_BLOCK_SIZE,
            parallel: DEFAULT_PARALLEL_BLOCKS,
        })
    }

    /// A download of the Azure Storage blob at `sas_url`, a URL signed with a shared access
    /// signature that grants reading it: an Intune report export job's `url` once its `status` is
    /// `completed` (a ZIP file). Then [`BlobDownload::write_to`] or [`BlobDownload::bytes`]. Fails
    /// if the URL is not `https` (or `http` to this machine, as a local emulator's).
    pub fn blob_download(&self, sas_url: &str) -> Result<BlobDownload, Error> {
        Ok(BlobDownload {
            blob: Arc::new(Blob::new(self, sas_url)?),
            range_size: DEFAULT_RANGE_SIZE,
            parallel: DEFAULT_PARALLEL_RANGES,
        })
    }
}

/// A SAS URL, checked: the signature must not travel in the clear to another machine.
fn sas(url: &str) -> Result<AbsoluteUrl, Error> {
    // Without the query: it holds the signature.
    let shown = url.split('?').next().unwrap_or_default();
    let parsed = AbsoluteUrl::parse(url)
        .map_err(|why| Error::Config(format!("blob URL {shown:?} is not a URL: {why}")))?;
    if !parsed.is_private_channel() {
        return Err(Error::Config(format!(
            "blob URL {shown:?} is not https: its signature would be sent in the clear"
        )));
    }
    Ok(parsed)
}

impl BlobUpload {
    /// The size of each block but the last, at least 1 byte and at most 4,000 MiB (Azure Storage's
    /// limit); 8 MiB unless set.
    pub fn block_size(mut self, bytes: usize) -> BlobUpload {
        self.block_size = bytes.clamp(1, MAX_BLOCK_SIZE);
        self
    }

    /// How to get a new SAS URL for the same blob when Azure Storage refuses the current one (an
    /// expired signature answers `403`): for an Intune content file, its `renewUpload` action, then
    /// reading the file again until its `uploadState` is `azureStorageUriRenewalSuccess`. The blocks
    /// already sent stay; the upload goes on with the new URL.
    pub fn renew_url<F, R>(self, mut renew: F) -> BlobUpload
    where
        F: FnMut() -> R + Send + 'static,
        R: Future<Output = Result<String, Error>> + Send + 'static,
    {
        // Never locked yet: the upload has not started.
        if let Ok(mut slot) = self.blob.renew.try_lock() {
            *slot = Some(Box::new(move || Box::pin(renew())));
        }
        self
    }

    /// How many blocks may be in flight at once, at least one; 4 unless set. Each holds a block of
    /// the content in memory. The client's
    /// [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests) still applies.
    pub fn parallel(mut self, blocks: usize) -> BlobUpload {
        self.parallel = blocks.max(1);
        self
    }

    /// Reads `content` to its end, block by block, sending each block as it is read, then commits
    /// the blob with the list of its blocks. Fails with [`Error::Storage`], saying which request
    /// failed and why, when the content cannot be read, has more than 50,000 blocks, or Azure
    /// Storage refuses a request or cannot be reached within the retry policy.
    pub async fn send(self, mut content: impl AsyncRead + Unpin + Send) -> Result<(), Error> {
        let BlobUpload { blob, block_size, parallel } = self;
        let span = tracing::info_span!("blob_upload", blob = %blob.shown, blocks = tracing::field::Empty);
        async move {
            let mut blocks = Vec::new();
            // Dropped on an error, which aborts the blocks still in flight.
            let mut in_flight = tokio::task::JoinSet::new();
            loop {
                let step = format!("Put Block {}", blocks.len() + 1);
                let block = read_block(&mut content, block_size).await.map_err(|source| {
                    storage_error_because(
                        &step,
                        None,
                        "the content could not be read",
                        Some(Box::new(source)),
                    )
                })?;
                if block.is_empty() {
                    break;
                }
                if blocks.len() == MAX_BLOCKS {
                    let why =
                        format!("the content needs more than {MAX_BLOCKS} blocks of {block_size} bytes");
                    return Err(storage_error_because(&step, None, &why, None));
                }
                while in_flight.len() >= parallel {
                    joined(in_flight.join_next().await)?;
                }
                // The same length for every block of a blob, and valid base64 as it is: 8 digits.
                let id = format!("{:08}", blocks.len());
                let query = format!("comp=block&blockid={id}");
                let blob = Arc::clone(&blob);
                let sent = async move { blob.put(&step, &query, None, block).await };
                in_flight.spawn(sent.instrument(tracing::Span::current()));
                blocks.push(id);
            }
            while !in_flight.is_empty() {
                joined(in_flight.join_next().await)?;
            }
            tracing::Span::current().record("blocks", blocks.len());
            let list: String = blocks.iter().map(|id| format!("<Latest>{id}</Latest>")).collect();
            let body = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>{list}</BlockList>");
            blob.put("Put Block List", "comp=blocklist", Some("application/xml"), Bytes::from(body)).await
        }
        .instrument(span)
        .await
    }
}

/// A download of an Azure Storage blob by its SAS URL: from [`Client::blob_download`], then
/// [`BlobDownload::write_to`] or [`BlobDownload::bytes`]. It goes through the client's transport
/// (its proxy, its trusted roots) and within its
/// [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests), but without its
/// token.
///
/// The blob comes in ranges (8 MiB unless [`BlobDownload::range_size`]), up to four in flight at
/// once ([`BlobDownload::parallel`]), written in order as they come, so a large blob is never all
/// in memory and no request has to carry all of it within the client's timeout. Each range is
/// sent again as the client's [`RetryPolicy`](crate::RetryPolicy) allows when the service answers
/// 429, 500, 503 or 504 (honouring `Retry-After`) or the connection fails, and asks for the
/// version of the blob the first range came from (`If-Match` its `ETag`): a blob replaced during
/// the download fails it rather than mixing two versions.
///
/// ```no_run
/// # async fn report(client: graph_runtime::Client, url: &str) -> Result<(), graph_runtime::Error> {
/// let file = tokio::fs::File::create("report.zip")
///     .await
///     .map_err(|e| graph_runtime::Error::Config(e.to_string()))?;
/// let bytes = client.blob_download(url)?.write_to(file).await?;
/// # let _ = bytes;
/// # Ok(())
/// # }
/// ```
pub struct BlobDownload {
    blob: Arc<Blob>,
    range_size: usize,
    parallel: usize,
}

impl fmt::Debug for BlobDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobDownload")
            .field("blob", &self.blob.shown)
            .field("range_size", &self.range_size)
            .field("parallel", &self.parallel)
            .finish_non_exhaustive()
    }
}

impl BlobDownload {
    /// The size of each range asked for, at least 1 byte; 8 MiB unless set.
    pub fn range_size(mut self, bytes: usize) -> BlobDownload {
        self.range_size = bytes.max(1);
        self
    }

    /// How many ranges may be in flight at once, at least one; 4 unless set. Each holds a range of
    /// the blob in memory until the ranges before it are written. The client's
    /// [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests) still applies.
    pub fn parallel(mut self, ranges: usize) -> BlobDownload {
        self.parallel = ranges.max(1);
        self
    }

    /// Writes the blob to `sink`, range by range in order, and flushes it: the number of bytes
    /// written. Fails with [`Error::Storage`], saying which range failed and why, when Azure
    /// Storage refuses a request or cannot be reached within the retry policy, answers with other
    /// bytes than those asked for, the blob changes during the download, or `sink` fails; what
    /// was written by then stays written.
    pub async fn write_to(self, mut sink: impl AsyncWrite + Unpin + Send) -> Result<u64, Error> {
        let BlobDownload { blob, range_size, parallel } = self;
        let span = tracing::info_span!("blob_download", blob = %blob.shown, bytes = tracing::field::Empty);
        async move {
            let range_size = u64::try_from(range_size).unwrap_or(u64::MAX);
            let first = match blob.get(Range { start: 0, end: range_size }, None).await {
                Err(Error::Storage { status: Some(StatusCode::RANGE_NOT_SATISFIABLE), .. }) => {
                    // An empty blob has no first byte: the whole of it, then.
                    blob.get_whole().await?
                }
                first => first?,
            };
            let (first, total, version) = match first {
                Got::Whole(bytes) => (bytes, None, None),
                Got::Range { bytes, total, etag } => (bytes, Some(total), etag),
            };
            write(&mut sink, &first, "Get Blob").await?;
            let mut next = u64::try_from(first.len()).unwrap_or(u64::MAX);
            let total = total.unwrap_or(next);
            // Dropped on an error (or when the caller gives up), which aborts the ranges in flight.
            let mut in_flight = RangesInFlight(VecDeque::new());
            loop {
                while in_flight.0.len() < parallel && next < total {
                    let range = Range { start: next, end: total.min(next.saturating_add(range_size)) };
                    next = range.end;
                    let (blob, version) = (Arc::clone(&blob), version.clone());
                    let got = async move { blob.get_range(range, version).await };
                    in_flight.0.push_back((range, tokio::spawn(got.instrument(tracing::Span::current()))));
                }
                // Awaited where it is, so that it is aborted too if the caller gives up meanwhile.
                let Some((range, task)) = in_flight.0.front_mut() else { break };
                let step = range.step();
                let bytes = match task.await {
                    Ok(got) => got?,
                    Err(ended) => {
                        let why = "the task fetching the range ended";
                        return Err(storage_error_because(&step, None, why, Some(Box::new(ended))));
                    }
                };
                in_flight.0.pop_front();
                write(&mut sink, &bytes, &step).await?;
            }
            std::future::poll_fn(|cx| Pin::new(&mut sink).poll_flush(cx)).await.map_err(|source| {
                storage_error_because(
                    "Get Blob",
                    None,
                    "the content could not be written",
                    Some(Box::new(source)),
                )
            })?;
            tracing::Span::current().record("bytes", total);
            Ok(total)
        }
        .instrument(span)
        .await
    }

    /// The whole blob, in memory: [`BlobDownload::write_to`] a buffer.
    ///
    /// ```no_run
    /// # async fn report(client: graph_runtime::Client, url: &str) -> Result<(), graph_runtime::Error> {
    /// let zip = client.blob_download(url)?.bytes().await?;
    /// # let _ = zip;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let mut buffer = Vec::new();
        self.write_to(&mut buffer).await?;
        Ok(Bytes::from(buffer))
    }
}

/// A download's ranges in flight, in the order their bytes are written; aborted when dropped.
struct RangesInFlight(VecDeque<(Range, tokio::task::JoinHandle<Result<Bytes, Error>>)>);

impl Drop for RangesInFlight {
    fn drop(&mut self) {
        for (_, task) in &self.0 {
            task.abort();
        }
    }
}

/// The bytes `start..end` of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: u64,
    end: u64,
}

impl Range {
    /// The request's name in errors and logs: `Get Blob, bytes 8388608-16777215`.
    fn step(self) -> String {
        format!("Get Blob, bytes {}-{}", self.start, self.end.saturating_sub(1))
    }
}

/// What a `Get Blob` of a range gave.
enum Got {
    /// The whole blob: the server answered `200` rather than a range (a blob it would not cut).
    Whole(Bytes),
    /// The range asked for, of a blob of `total` bytes whose version is `etag`.
    Range { bytes: Bytes, total: u64, etag: Option<HeaderValue> },
}

/// Writes all of `bytes` to `sink`, as the bytes `step` got.
async fn write(sink: &mut (impl AsyncWrite + Unpin), mut bytes: &[u8], step: &str) -> Result<(), Error> {
    let failed = |source: io::Error| {
        storage_error_because(step, None, "the content could not be written", Some(Box::new(source)))
    };
    while !bytes.is_empty() {
        let written =
            std::future::poll_fn(|cx| Pin::new(&mut *sink).poll_write(cx, bytes)).await.map_err(failed)?;
        if written == 0 {
            return Err(failed(io::ErrorKind::WriteZero.into()));
        }
        bytes = bytes.get(written..).unwrap_or_default();
    }
    Ok(())
}

/// A block's task's outcome, once it ended.
fn joined(done: Option<Result<Result<(), Error>, tokio::task::JoinError>>) -> Result<(), Error> {
    match done {
        None | Some(Ok(Ok(()))) => Ok(()),
        Some(Ok(Err(error))) => Err(error),
        Some(Err(ended)) => Err(storage_error_because(
            "Put Block",
            None,
            "the task sending a block ended",
            Some(Box::new(ended)),
        )),
    }
}

impl Blob {
    /// The blob at `sas_url`, for `client`'s requests.
    fn new(client: &Client, sas_url: &str) -> Result<Blob, Error> {
        let url = sas(sas_url)?;
        Ok(Blob {
            client: client.clone(),
            shown: url.without_query(),
            url: Mutex::new(url),
            renew: tokio::sync::Mutex::new(None),
        })
    }

    /// One `PUT` of the blob's URL with `query` added (`comp=block…`).
    async fn put(
        &self,
        step: &str,
        query: &str,
        content_type: Option<&'static str>,
        body: Bytes,
    ) -> Result<(), Error> {
        let mut headers = HeaderMap::new();
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        let call = Call { method: Method::PUT, step, query: Some(query), headers, body: Some(body) };
        self.send(&call).await.map(drop)
    }

    /// The first range of a download, `range`, or the whole blob if the server sends it whole;
    /// later ones are asked for as of `version`, the first one's `ETag`.
    async fn get(&self, range: Range, version: Option<HeaderValue>) -> Result<Got, Error> {
        let step = range.step();
        let mut headers = HeaderMap::new();
        let asked = format!("bytes={}-{}", range.start, range.end.saturating_sub(1));
        let asked = HeaderValue::try_from(asked).map_err(|why| {
            storage_error_because(&step, None, "no range header for it", Some(Box::new(why)))
        })?;
        headers.insert(HeaderName::from_static("x-ms-range"), asked);
        if let Some(version) = version {
            headers.insert(IF_MATCH, version);
        }
        let call = Call { method: Method::GET, step: &step, query: None, headers, body: None };
        let response = self.send(&call).await.map_err(|error| match error {
            Error::Storage { step, status: Some(StatusCode::PRECONDITION_FAILED), reason, .. } => {
                let why = format!("the blob changed during the download ({reason})");
                storage_error_because(&step, Some(StatusCode::PRECONDITION_FAILED), &why, None)
            }
            error => error,
        })?;
        if response.status == StatusCode::OK && range.start == 0 {
            return Ok(Got::Whole(response.body));
        }
        let unexpected = |what: String| {
            let why = format!("it answered {what} rather than the bytes asked for");
            storage_error_because(&step, Some(response.status), &why, None)
        };
        let content_range = response.headers.get(CONTENT_RANGE).and_then(|value| value.to_str().ok());
        let Some((start, end, total)) = content_range.and_then(parse_content_range) else {
            return Err(unexpected(format!("{} with Content-Range {content_range:?}", response.status)));
        };
        let length = u64::try_from(response.body.len()).unwrap_or(u64::MAX);
        if response.status != StatusCode::PARTIAL_CONTENT
            || start != range.start
            || end != range.end.min(total)
            || length != end - start
        {
            return Err(unexpected(format!(
                "{} with bytes {start}-{} of {total} ({length} bytes)",
                response.status,
                end.saturating_sub(1)
            )));
        }
        let etag = response.headers.get(ETAG).cloned();
        Ok(Got::Range { bytes: response.body, total, etag })
    }

    /// A range after the first: its bytes.
    async fn get_range(&self, range: Range, version: Option<HeaderValue>) -> Result<Bytes, Error> {
        match self.get(range, version).await? {
            Got::Range { bytes, .. } => Ok(bytes),
            // Only a first range is taken whole.
            Got::Whole(_) => Err(storage_error_because(
                &range.step(),
                Some(StatusCode::OK),
                "it answered the whole blob rather than the bytes asked for",
                None,
            )),
        }
    }

    /// The whole blob, by a `Get Blob` without a range.
    async fn get_whole(&self) -> Result<Got, Error> {
        let call = Call {
            method: Method::GET,
            step: "Get Blob",
            query: None,
            headers: HeaderMap::new(),
            body: None,
        };
        Ok(Got::Whole(self.send(&call).await?.body))
    }

    /// One request to the blob's URL, with `query` added if given: its success response. Sent again
    /// as the retry policy allows, and with a renewed URL once after a `403` when the upload can
    /// renew it.
    async fn send(&self, call: &Call<'_>) -> Result<HttpResponse, Error> {
        let step = call.step;
        let policy = self.client.retry_policy();
        let (mut retries, mut waited, mut renewed) = (0u32, Duration::ZERO, false);
        loop {
            let url = self.url();
            let request = self.request(&url, call)?;
            let (delay, failed) = match self.client.send_outside(request).await {
                Ok(response) if response.status.is_success() => return Ok(response),
                Ok(response) if response.status == StatusCode::FORBIDDEN && !renewed => {
                    renewed = true;
                    self.renew(&url, step, &response).await?;
                    continue;
                }
                Ok(response) if retries_status(response.status) => {
                    (policy.wait_before(retries + 1, Some(&response.headers)), Failed::Status(response))
                }
                Ok(response) => return Err(storage_error(step, &response)),
                Err(error)
                    if matches!(error.kind(), TransportErrorKind::Connect | TransportErrorKind::Timeout) =>
                {
                    (policy.wait_before(retries + 1, None), Failed::Transport(error))
                }
                Err(error) => {
                    return Err(storage_error_because(
                        step,
                        None,
                        "the request failed",
                        Some(Box::new(error)),
                    ))
                }
            };
            if !policy.allows(retries + 1, waited, delay) {
                return Err(match failed {
                    Failed::Status(response) => storage_error(step, &response),
                    Failed::Transport(error) => {
                        storage_error_because(step, None, "the request failed", Some(Box::new(error)))
                    }
                });
            }
            retries += 1;
            let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            tracing::info!(step, retry = retries, delay_ms, "the request failed for now; sending it again");
            tokio::time::sleep(delay).await;
            waited = waited.saturating_add(delay);
        }
    }

    /// The signed URL now.
    fn url(&self) -> AbsoluteUrl {
        match self.url.lock() {
            Ok(url) => url.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The request making `call` to `url`.
    fn request(&self, url: &AbsoluteUrl, call: &Call<'_>) -> Result<HttpRequest, Error> {
        let Call { method, step, query, headers: call_headers, body } = call;
        let url = match (url.query().unwrap_or_default(), *query) {
            (_, None) => url.clone(),
            (signed, Some(query)) => {
                let query = if signed.is_empty() { query.to_owned() } else { format!("{signed}&{query}") };
                url.with_path_and_query(url.path(), Some(&query)).map_err(|why| {
                    storage_error_because(step, None, &format!("no URL for it: {why}"), None)
                })?
            }
        };
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, self.client.user_agent().clone());
        headers.insert(HeaderName::from_static("x-ms-version"), HeaderValue::from_static(STORAGE_VERSION));
        headers.extend(call_headers.clone());
        let (method, body, timeout) = (method.clone(), body.clone(), self.client.timeout());
        Ok(HttpRequest { method, url: url.into_uri(), headers, body, timeout })
    }

    /// Replaces `used`, which Azure Storage refused with `refused`, by a renewed URL, unless
    /// another block's request has replaced it already. Fails with the refusal when the upload
    /// cannot renew its URL.
    async fn renew(&self, used: &AbsoluteUrl, step: &str, refused: &HttpResponse) -> Result<(), Error> {
        let mut renew = self.renew.lock().await;
        if self.url().as_str() != used.as_str() {
            return Ok(());
        }
        let Some(renew) = renew.as_mut() else { return Err(storage_error(step, refused)) };
        tracing::info!(step, code = error_code(refused), "the blob URL was refused; renewing it");
        let renewed = renew().await.map_err(|error| {
            storage_error_because(
                step,
                Some(refused.status),
                "its URL was refused, and renewing it failed",
                Some(Box::new(error)),
            )
        })?;
        let renewed = sas(&renewed)?;
        match self.url.lock() {
            Ok(mut url) => *url = renewed,
            Err(poisoned) => *poisoned.into_inner() = renewed,
        }
        Ok(())
    }
}

/// One request to a blob, as each attempt sends it.
struct Call<'a> {
    method: Method,
    /// Azure Storage's name for it, for errors and logs: `Put Block 3`.
    step: &'a str,
    /// Added to the signed URL's query (`comp=block&blockid=…`).
    query: Option<&'a str>,
    /// Beside those every request carries (`Content-Type`, `x-ms-range`, `If-Match`).
    headers: HeaderMap,
    body: Option<Bytes>,
}

/// Why a request may be sent again.
enum Failed {
    Status(HttpResponse),
    Transport(crate::transport::TransportError),
}

/// Whether Azure Storage answered a status worth sending the request again for: the client's
/// (429, 503, 504) and 500, which Azure Storage answers for an operation that timed out inside it.
fn retries_status(status: StatusCode) -> bool {
    matches!(classify(status), Outcome::Retry) || status == StatusCode::INTERNAL_SERVER_ERROR
}

/// Azure Storage's error code for a refused request (`x-ms-error-code`), if it gave one.
fn error_code(response: &HttpResponse) -> &str {
    response.headers.get("x-ms-error-code").and_then(|code| code.to_str().ok()).unwrap_or_default()
}

/// The error for a request Azure Storage refused: its status, its error code and its request id.
fn storage_error(step: &str, response: &HttpResponse) -> Error {
    let mut why = format!("answered {}", response.status);
    let code = error_code(response);
    if !code.is_empty() {
        why.push_str(&format!(": {code}"));
    }
    if let Some(id) = response.headers.get("x-ms-request-id").and_then(|id| id.to_str().ok()) {
        why.push_str(&format!(" (request id {id})"));
    }
    storage_error_because(step, Some(response.status), &why, None)
}

/// The error for `step`, failed for `reason`.
fn storage_error_because(
    step: &str,
    status: Option<StatusCode>,
    reason: &str,
    source: Option<Box<dyn StdError + Send + Sync>>,
) -> Error {
    Error::Storage { step: step.to_owned(), status, reason: reason.to_owned(), source }
}

/// The bytes a `Content-Range` header says a response holds, `bytes <first>-<last>/<total>`: its
/// start, its end (past the last) and the blob's size.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let (first, last, total): (u64, u64, u64) =
        (first.parse().ok()?, last.parse().ok()?, total.parse().ok()?);
    (first <= last && last < total).then_some((first, last + 1, total))
}

/// Reads up to `size` bytes: fewer only at the end of the content, none once it is over.
async fn read_block(content: &mut (impl AsyncRead + Unpin), size: usize) -> io::Result<Bytes> {
    let mut block = vec![0u8; size];
    let mut filled = 0;
    while filled < size {
        let read = std::future::poll_fn(|cx| {
            let mut buffer = ReadBuf::new(block.get_mut(filled..).unwrap_or_default());
            match Pin::new(&mut *content).poll_read(cx, &mut buffer) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(buffer.filled().len())),
                Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    block.truncate(filled);
    Ok(Bytes::from(block))
}
