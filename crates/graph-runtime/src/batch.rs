//! JSON batching: many operation calls in one `POST /{version}/$batch` (twenty at most in each), and
//! every answer read as its own request's would have been.
//!
//! A [`Batch`] takes prepared [`Request`]s and gives a [`Ticket`] for each; [`Batch::send`] sends
//! them and [`Answers::take`] reads a ticket's answer as the request's `.await` would (a list's
//! first page; [`Answers::pager`] reads on through its next links). An answer the
//! service asks to retry (429, 503, 504) is sent again in a later batch, after its `Retry-After`,
//! within the client's retry policy. A request added with [`Batch::add_after`] waits for the
//! requests it follows: it goes in a later batch, once they have succeeded.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::call::{Accept, Expect, Paged};
use crate::client::graph_error;
use crate::paging::Pager;
use crate::response::{self, Outcome};
use crate::transport::HttpResponse;
use crate::{Client, Error, Method, Operation, Request};

/// The most requests Graph takes in one `$batch`.
pub const MAX_BATCH_REQUESTS: usize = 20;

/// Operation calls to send together, as JSON batches: each request added gives a [`Ticket`], and
/// [`Batch::send`] gives the [`Answers`] the tickets read.
///
/// Requests of one API version go in one `POST /{version}/$batch` per twenty, in the order they were
/// added. Graph may run the requests of one `$batch` in any order: a request that must wait for
/// others goes in with [`Batch::add_after`], and is sent in a later `$batch` than theirs. Each
/// carries its own headers (the client's default headers, then its own, but not the runtime's own:
/// `Authorization`, `Accept`, `Content-Type`, `User-Agent`, `Retry-Attempt`, nor
/// `Proxy-Authorization`), query options and body; the batch itself carries the token and goes
/// through the client's retries, redirects and tracing. A request the service answers 429, 503 or
/// 504 is sent again in a later batch after its own `Retry-After` (or the client's backoff), with
/// those whose wait ends within a second of its, as long as the client's
/// [`RetryPolicy`](crate::RetryPolicy) allows. A request whose page answers a stream
/// (`Raw`) cannot be batched: Graph gives its bytes as base64 text, so its ticket reads an error.
///
/// ```no_run
/// # async fn example(
/// #     client: &graph_runtime::Client,
/// #     first: graph_runtime::Request<'static, graph_runtime::Json<serde_json::Value>>,
/// #     second: graph_runtime::Request<'static, graph_runtime::Json<serde_json::Value>>,
/// # ) -> Result<(), graph_runtime::Error> {
/// let mut batch = client.batch();
/// let a = batch.add(first);
/// let b = batch.add(second);
/// let mut answers = batch.send().await;
/// let first = answers.take(a)?; // what `first.await` would have given
/// let second = answers.take(b); // an error of its own, if it failed
/// # Ok(()) }
/// ```
///
/// Requests that must run in order, such as an update and then a read of what it changed:
///
/// ```no_run
/// # async fn example(
/// #     client: &graph_runtime::Client,
/// #     update: graph_runtime::Request<'static, graph_runtime::JsonOrNoContent<serde_json::Value>>,
/// #     read: graph_runtime::Request<'static, graph_runtime::Json<serde_json::Value>>,
/// # ) -> Result<(), graph_runtime::Error> {
/// let mut batch = client.batch();
/// let updated = batch.add(update);
/// let read = batch.add_after([updated.id()], read); // sent once the update succeeded
/// let mut answers = batch.send().await;
/// answers.take(updated)?;
/// let after = answers.take(read)?;
/// # Ok(()) }
/// ```
#[must_use = "a batch does nothing until it is sent"]
pub struct Batch {
    client: Client,
    /// Tells this batch's tickets from another's.
    id: u64,
    /// Each request's operation, and what will be sent or why it will not.
    items: Vec<(Operation, Result<Item, Error>)>,
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The operations only: paths hold ids, and bodies are left out, as the tracing spans leave them.
        let operations: Vec<String> = self
            .items
            .iter()
            .map(|(_, item)| match item {
                Ok(item) => item.operation.to_string(),
                Err(error) => format!("(not sent: {error})"),
            })
            .collect();
        f.debug_struct("Batch").field("operations", &operations).finish_non_exhaustive()
    }
}

/// One request of a batch, as it goes into the `$batch` body.
pub(crate) struct Item {
    pub(crate) operation: Operation,
    /// Relative to the version root: `/deviceManagement/…?$select=…`.
    pub(crate) url: String,
    /// The request's own headers (the client's default headers are added when sent).
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Value>,
    /// The indexes of the requests it must follow (each added before it).
    pub(crate) after: Vec<usize>,
}

/// Reads one request's answer from a batch's [`Answers`]: what its `.await` would have given.
#[must_use = "a ticket is how its request's answer is read"]
pub struct Ticket<E> {
    batch: u64,
    index: usize,
    operation: Operation,
    marker: PhantomData<fn() -> E>,
}

/// Names a [`Ticket`]'s request within its batch, for [`Batch::add_after`]: a copy, where the
/// ticket itself is given up to read the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TicketId {
    batch: u64,
    index: usize,
}

impl<E> Ticket<E> {
    /// What [`Batch::add_after`] names this ticket's request by.
    pub fn id(&self) -> TicketId {
        TicketId { batch: self.batch, index: self.index }
    }
}

impl<E> fmt::Debug for Ticket<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket").field("index", &self.index).field("operation", &self.operation).finish()
    }
}

/// The answers of a sent [`Batch`], read with its [`Ticket`]s.
pub struct Answers {
    batch: u64,
    client: Client,
    answers: Vec<Option<Result<HttpResponse, Error>>>,
    /// Each sent request's URL below its version root and its own headers, which a list's
    /// [`Answers::pager`] follows its next links with.
    sent: Vec<Option<(String, HeaderMap)>>,
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies are left out, as the tracing spans leave them out.
        let statuses: Vec<Option<u16>> = self
            .answers
            .iter()
            .map(|answer| match answer {
                Some(Ok(response)) => Some(response.status.as_u16()),
                Some(Err(error)) => error.status().map(|status| status.as_u16()),
                None => None,
            })
            .collect();
        f.debug_struct("Answers").field("statuses", &statuses).finish()
    }
}

impl Client {
    /// An empty [`Batch`] of requests to send through this client.
    pub fn batch(&self) -> Batch {
        Batch { client: self.clone(), id: fastrand::u64(..), items: Vec::new() }
    }
}

impl Batch {
    /// Adds a prepared request (what a generated method returns, its query options and headers
    /// set), its body serialised now. Nothing is sent yet, and then through the batch's client,
    /// whichever client prepared the request. A request that could not be sent alone (an invalid
    /// header, a body that cannot be serialised) is not sent, and its ticket reads that error.
    pub fn add<E, O, B>(&mut self, request: Request<'_, E, O, B>) -> Ticket<E>
    where
        E: Expect,
        B: Serialize + ?Sized,
    {
        let operation = request.operation();
        let item = match E::ACCEPT {
            Accept::Json => request.into_batch_item(),
            Accept::Stream => Err(Error::Batch {
                operation,
                reason: "a stream's bytes do not come through a JSON batch; send it alone".to_owned(),
                source: None,
            }),
        };
        self.items.push((operation, item));
        Ticket { batch: self.id, index: self.items.len() - 1, operation, marker: PhantomData }
    }

    /// Adds a request to send only after those of `after` have succeeded: in a later `$batch` than
    /// theirs, once each has a success answer. If one of them fails (or could not be sent), this one
    /// is not sent, and its ticket reads an [`Error::Batch`] naming the request it waited for; so
    /// do the requests added after it in turn. One that names a request of another batch is not
    /// sent either.
    ///
    /// Graph's own `dependsOn` is not used: Graph takes it only when the whole `$batch` is one
    /// chain (or every request names the same one), and one failure there fails every later
    /// request of the chain. Here a batch's requests go out in levels instead: each `$batch`
    /// holds requests that wait for none still unanswered, so ten pairs of a request and the one
    /// after it take two round trips.
    pub fn add_after<E, O, B>(
        &mut self,
        after: impl IntoIterator<Item = TicketId>,
        request: Request<'_, E, O, B>,
    ) -> Ticket<E>
    where
        E: Expect,
        B: Serialize + ?Sized,
    {
        let ticket = self.add(request);
        let mut indexes = Vec::new();
        for id in after {
            if id.batch != self.id || id.index >= ticket.index {
                let refused = Error::Batch {
                    operation: ticket.operation,
                    reason: "it was to follow a request of another batch".to_owned(),
                    source: None,
                };
                if let Some((_, item)) = self.items.last_mut() {
                    *item = Err(refused);
                }
                return ticket;
            }
            indexes.push(id.index);
        }
        if let Some((_, Ok(item))) = self.items.last_mut() {
            item.after = indexes;
        }
        ticket
    }

    /// How many requests were added.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no request was added.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sends the requests, twenty (or fewer) in each `$batch` of their version, one batch after the
    /// other, then those the service asked to retry and those that waited for others, and gives
    /// every answer. A `$batch` that fails as a whole (no connection, a token that cannot be had, an
    /// error status) fails each of its requests with [`Error::Batch`], whose source is that error;
    /// the other batches' answers stand.
    pub async fn send(self) -> Answers {
        let Batch { client, id, items } = self;
        let mut answers: Vec<Option<Result<HttpResponse, Error>>> = Vec::with_capacity(items.len());
        let mut sent = Vec::with_capacity(items.len());
        let mut waiting: Vec<Pending> = Vec::new();
        let operations: Vec<Operation> = items.iter().map(|(operation, _)| *operation).collect();
        for (index, (_, item)) in items.into_iter().enumerate() {
            match item {
                Ok(item) => {
                    answers.push(None);
                    sent.push(Some((item.url.clone(), item.headers.clone())));
                    waiting.push(Pending { index, item, retries: 0, waited: Duration::ZERO });
                }
                Err(error) => {
                    answers.push(Some(Err(error)));
                    sent.push(None);
                }
            }
        }
        let retry = client.retry_policy();
        let mut ready: Vec<Pending> = Vec::new();
        // Those the service asked to retry, until their wait is over.
        let mut deferred: Vec<Deferred> = Vec::new();
        loop {
            // Those whose requests to follow have all succeeded join this round; those following a
            // failed one fail unsent. In the order added, so a failure passes down a chain at once.
            let mut still = Vec::with_capacity(waiting.len());
            for pending in waiting {
                match followed(&answers, &operations, &pending.item.after) {
                    Followed::Succeeded => ready.push(pending),
                    Followed::Waiting => still.push(pending),
                    Followed::Failed(reason) => {
                        let failed = Error::Batch { operation: pending.item.operation, reason, source: None };
                        set(&mut answers, pending.index, Err(failed));
                    }
                }
            }
            waiting = still;
            // The retries whose wait is over join a round that has others to send; with nothing else
            // to send, those whose wait ends first, once it has, with those whose wait ends within a
            // second of it (one `$batch` rather than one each, for little more waiting). Each is
            // charged the wait it had.
            let now = tokio::time::Instant::now();
            let until = match deferred.iter().map(|retry| retry.due).min() {
                Some(_) if !ready.is_empty() => Some(now),
                Some(first) => Some(first.checked_add(ROUND_SLACK).unwrap_or(first)),
                None => None,
            };
            if let Some(until) = until {
                let (over, later): (Vec<_>, Vec<_>) =
                    deferred.into_iter().partition(|retry| retry.due <= until);
                deferred = later;
                let last = over.iter().map(|retry| retry.due).max().unwrap_or(now);
                if last > now {
                    let delay = last.saturating_duration_since(now);
                    let (requests, delay_ms) =
                        (over.len(), u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
                    tracing::info!(requests, delay_ms, "batched requests asked to retry later");
                    tokio::time::sleep_until(last).await;
                }
                for Deferred { answered, mut pending, .. } in over {
                    pending.waited = pending.waited.saturating_add(answered.elapsed());
                    ready.push(pending);
                }
                ready.sort_by_key(|pending| pending.index);
            }
            if ready.is_empty() {
                // Nothing can be sent: every request still waiting follows one that will never be
                // answered. Never so, as each follows requests added before it; but not forever.
                for pending in waiting {
                    let reason = "it waited for a request that was never answered".to_owned();
                    let failed = Error::Batch { operation: pending.item.operation, reason, source: None };
                    set(&mut answers, pending.index, Err(failed));
                }
                break;
            }
            let again = send_round(&client, std::mem::take(&mut ready), &mut answers).await;
            // Those the service asked to retry: each after its own wait, as long as its own budget
            // of waiting allows, as if it had been sent alone (another's long `Retry-After` neither
            // holds it back nor uses up its budget); otherwise its answer stands as an error.
            let now = tokio::time::Instant::now();
            for (mut pending, response) in again {
                let attempts = pending.retries + 1;
                let delay = retry.wait_before(attempts, Some(&response.headers));
                if !retry.allows(attempts, pending.waited, delay) {
                    set(
                        &mut answers,
                        pending.index,
                        Err(graph_error(pending.item.operation, response, attempts)),
                    );
                } else {
                    pending.retries = attempts;
                    // A wait too long for the clock (a budget without limit) ends a century from now.
                    deferred.push(Deferred {
                        due: now.checked_add(delay).or_else(|| now.checked_add(FAR_FUTURE)).unwrap_or(now),
                        answered: now,
                        pending,
                    });
                }
            }
        }
        Answers { batch: id, client, answers, sent }
    }
}

/// How much later than another's a retry's wait may end and still go in the same `$batch`.
const ROUND_SLACK: Duration = Duration::from_secs(1);
/// The end of a wait too long for the clock.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A request the service asked to retry, waiting until `due`.
struct Deferred {
    due: tokio::time::Instant,
    /// When the answer asking it came.
    answered: tokio::time::Instant,
    pending: Pending,
}

/// A request of a batch still to be answered.
struct Pending {
    /// Its place among the batch's requests: its id in a `$batch`.
    index: usize,
    item: Item,
    /// How many times the service asked to retry it.
    retries: u32,
    /// How long it has waited to be retried.
    waited: Duration,
}

/// Where the requests a batched request follows stand.
enum Followed {
    /// All succeeded (or it follows none): it can be sent.
    Succeeded,
    /// One is still to be answered.
    Waiting,
    /// One failed: why this one is not sent.
    Failed(String),
}

fn followed(
    answers: &[Option<Result<HttpResponse, Error>>],
    operations: &[Operation],
    after: &[usize],
) -> Followed {
    let mut state = Followed::Succeeded;
    for &index in after {
        match answers.get(index) {
            Some(Some(Ok(_))) => {}
            Some(Some(Err(error))) => {
                let operation = operations.get(index).map(ToString::to_string).unwrap_or_default();
                let answered =
                    error.status().map(|status| format!(", answered {status}")).unwrap_or_default();
                return Followed::Failed(format!(
                    "not sent: the request it was to follow failed ({operation}{answered})"
                ));
            }
            Some(None) | None => state = Followed::Waiting,
        }
    }
    state
}

/// Sends `ready` in `$batch`es of twenty or fewer, by version, and records their answers, but for
/// those the service asked to retry (while their retries are below the policy's): returned with
/// the answer, to be sent again.
async fn send_round(
    client: &Client,
    ready: Vec<Pending>,
    answers: &mut [Option<Result<HttpResponse, Error>>],
) -> Vec<(Pending, HttpResponse)> {
    let max_retries = client.retry_policy().max_retries();
    let mut again = Vec::new();
    let mut pending = ready;
    // By version, in the order added within each: stable.
    pending.sort_by(|a, b| a.item.operation.version.cmp(b.item.operation.version));
    while let Some(version) = pending.first().map(|pending| pending.item.operation.version) {
        let same = pending.iter().take_while(|pending| pending.item.operation.version == version).count();
        let rest = pending.split_off(same);
        let mut requests = std::mem::replace(&mut pending, rest);
        while !requests.is_empty() {
            let rest = requests.split_off(requests.len().min(MAX_BATCH_REQUESTS));
            let chunk = std::mem::replace(&mut requests, rest);
            let mut responses = match send_one(client, version, &chunk).await {
                Ok(responses) => responses,
                Err(error) => {
                    let error = Arc::new(error);
                    for pending in chunk {
                        let failed = Error::Batch {
                            operation: pending.item.operation,
                            reason: "the `$batch` request carrying it failed".to_owned(),
                            source: Some(Arc::clone(&error)),
                        };
                        set(answers, pending.index, Err(failed));
                    }
                    continue;
                }
            };
            for pending in chunk {
                let operation = pending.item.operation;
                let id = pending.index.to_string();
                let answered = responses.iter().position(|(answered, _)| *answered == id);
                let answer = match answered.map(|position| responses.swap_remove(position).1) {
                    None => Err(Error::Batch {
                        operation,
                        reason: "the batch's answer has no response to it".to_owned(),
                        source: None,
                    }),
                    Some(response) => match response::classify(response.status) {
                        Outcome::Success => Ok(response),
                        Outcome::Retry if pending.retries < max_retries => {
                            again.push((pending, response));
                            continue;
                        }
                        _ => Err(graph_error(operation, response, pending.retries + 1)),
                    },
                };
                set(answers, pending.index, answer);
            }
        }
    }
    again
}

/// Records the answer of the request at `index` (always one of the batch's).
fn set(
    answers: &mut [Option<Result<HttpResponse, Error>>],
    index: usize,
    answer: Result<HttpResponse, Error>,
) {
    if let Some(slot) = answers.get_mut(index) {
        *slot = Some(answer);
    }
}

/// Sends one `$batch` of `version` and gives its responses with their ids (the requests' indexes).
async fn send_one(
    client: &Client,
    version: &'static str,
    requests: &[Pending],
) -> Result<Vec<(String, HttpResponse)>, Error> {
    let operation = Operation::new(Method::Post, version, "/$batch");
    let default_headers = client.default_headers();
    let requests: Vec<Value> = requests
        .iter()
        .map(|Pending { index, item, .. }| {
            let mut headers = Map::new();
            let defaults = default_headers.iter().filter(|(name, _)| !item.headers.contains_key(*name));
            for (name, value) in defaults.chain(&item.headers) {
                if !crate::request::NOT_BATCHED.contains(name) {
                    add_header(&mut headers, name, value);
                }
            }
            let mut request = Map::new();
            request.insert("id".to_owned(), Value::String(index.to_string()));
            request.insert("method".to_owned(), Value::String(item.operation.method.as_str().to_owned()));
            request.insert("url".to_owned(), Value::String(item.url.clone()));
            if let Some(body) = &item.body {
                headers.insert("Content-Type".to_owned(), Value::String("application/json".to_owned()));
                request.insert("body".to_owned(), body.clone());
            }
            if !headers.is_empty() {
                request.insert("headers".to_owned(), Value::Object(headers));
            }
            Value::Object(request)
        })
        .collect();
    let mut body = Map::new();
    body.insert("requests".to_owned(), Value::Array(requests));
    let body = serde_json::to_vec(&body).map_err(|source| Error::Encode { operation, source })?;
    let url = crate::request::batch_url(client.parsed_base_url(), version)?;
    let response =
        client.send_url(operation, url, &HeaderMap::new(), Accept::Json, Some(Bytes::from(body))).await?;
    read_responses(operation, &response)
}

/// Adds a header to a batched request's `headers` object, whose values are strings: several values
/// of one name joined as HTTP joins them.
fn add_header(headers: &mut Map<String, Value>, name: &HeaderName, value: &HeaderValue) {
    // Every value was set as a `str`, so this is lossless; `to_str` would refuse any that is not
    // ASCII (a name with an accent) and the header would be lost.
    let value = String::from_utf8_lossy(value.as_bytes());
    let value = value.as_ref();
    match headers.get_mut(name.as_str()) {
        Some(Value::String(joined)) => {
            joined.push_str(", ");
            joined.push_str(value);
        }
        _ => {
            headers.insert(name.as_str().to_owned(), Value::String(value.to_owned()));
        }
    }
}

/// The responses of a `$batch` answer with their ids: each as an HTTP response of its own, its JSON
/// body written back out as bytes.
fn read_responses(
    operation: Operation,
    response: &HttpResponse,
) -> Result<Vec<(String, HttpResponse)>, Error> {
    let unreadable = |reason: &str| Error::Batch { operation, reason: reason.to_owned(), source: None };
    let answer: Value =
        serde_json::from_slice(&response.body).map_err(|_| unreadable("the batch's answer is not JSON"))?;
    let Some(Value::Array(responses)) = answer.get("responses") else {
        return Err(unreadable("the batch's answer has no `responses` list"));
    };
    let mut by_id = Vec::with_capacity(responses.len());
    for answered in responses {
        let id = match answered.get("id") {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => return Err(unreadable("a response of the batch's answer has no `id`")),
        };
        let status = answered
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|status| u16::try_from(status).ok())
            .and_then(|status| StatusCode::from_u16(status).ok())
            .ok_or_else(|| unreadable("a response of the batch's answer has no valid `status`"))?;
        let mut headers = HeaderMap::new();
        if let Some(Value::Object(answered_headers)) = answered.get("headers") {
            for (name, value) in answered_headers {
                let value = match value {
                    Value::String(text) => HeaderValue::from_str(text).ok(),
                    other => HeaderValue::from_str(&other.to_string()).ok(),
                };
                if let (Ok(name), Some(value)) = (HeaderName::try_from(name.as_str()), value) {
                    headers.append(name, value);
                }
            }
        }
        let body = match answered.get("body") {
            None | Some(Value::Null) => Bytes::new(),
            Some(body) => Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        };
        by_id.push((id, HttpResponse::new(status, headers, body)));
    }
    Ok(by_id)
}

impl Answers {
    /// The answer to a ticket's request, read as its `.await` would have read it: the documented
    /// result, or the request's own error (a [`GraphError`](crate::GraphError) with the status,
    /// headers and body the batch gave it).
    pub fn take<E: Expect>(&mut self, ticket: Ticket<E>) -> Result<E::Output, Error> {
        let operation = ticket.operation;
        let response = self.answer(ticket)?;
        E::read(operation, &response)
    }

    /// [`Answers::take`] with the request's status and headers, as [`Request::response`] gives them.
    pub fn response<E: Expect>(&mut self, ticket: Ticket<E>) -> Result<http::Response<E::Output>, Error> {
        let operation = ticket.operation;
        let answered = self.answer(ticket)?;
        let mut response = http::Response::new(E::read(operation, &answered)?);
        *response.status_mut() = answered.status;
        *response.headers_mut() = answered.headers;
        Ok(response)
    }

    /// A list's answer as a [`Pager`]: the batch's answer is its first page, and the others follow
    /// `@odata.nextLink` through the batch's client with the request's own headers, as the list
    /// request's [`Request::pager`] would have. A request that failed is the pager's first error.
    pub fn pager<T>(&mut self, ticket: Ticket<Paged<T>>) -> Pager<T> {
        let (operation, index) = (ticket.operation, ticket.index);
        // Only once the ticket is known to be this batch's: another batch's ticket must not take
        // what this batch's request at its index was sent with.
        let first =
            self.answer(ticket).and_then(|response| match self.sent.get_mut(index).and_then(Option::take) {
                Some((url, headers)) => {
                    let url =
                        crate::request::version_url(self.client.parsed_base_url(), operation.version, &url)?;
                    Ok((url, response, headers))
                }
                None => Err(Error::Batch {
                    operation,
                    reason: "the request was not sent".to_owned(),
                    source: None,
                }),
            });
        match first {
            Ok((url, response, headers)) => {
                Pager::answered(self.client.clone(), operation, url, response, headers)
            }
            Err(error) => Pager::new(self.client.clone(), operation, Err(error), HeaderMap::new()),
        }
    }

    fn answer<E>(&mut self, ticket: Ticket<E>) -> Result<HttpResponse, Error> {
        let operation = ticket.operation;
        let refused = |reason: &str| Error::Batch { operation, reason: reason.to_owned(), source: None };
        if ticket.batch != self.batch {
            return Err(refused("the ticket is another batch's"));
        }
        match self.answers.get_mut(ticket.index).and_then(Option::take) {
            Some(answer) => answer,
            None => Err(refused("the ticket is another batch's")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const BATCH: Operation = Operation::new(Method::Post, "v1.0", "/$batch");

    fn read(answer: Value) -> Result<Vec<(String, HttpResponse)>, String> {
        let response =
            HttpResponse::new(StatusCode::OK, HeaderMap::new(), serde_json::to_vec(&answer).unwrap());
        read_responses(BATCH, &response).map_err(|error| error.to_string())
    }

    #[test]
    fn each_response_becomes_an_http_response_of_its_own() {
        let responses = read(json!({"responses": [
            {"id": "1", "status": 201, "headers": {"Location": "https://x/1", "Retry-After": 5}, "body": {"id": "1"}},
            {"id": 2, "status": 204},
        ]}))
        .unwrap();
        let [(first, created), (second, empty)] = responses.as_slice() else { panic!("{responses:?}") };
        assert_eq!((first.as_str(), second.as_str()), ("1", "2"));
        assert_eq!(created.status, StatusCode::CREATED);
        assert_eq!(created.headers["location"], "https://x/1");
        assert_eq!(created.headers["retry-after"], "5");
        assert_eq!(serde_json::from_slice::<Value>(&created.body).unwrap(), json!({"id": "1"}));
        assert_eq!((empty.status, empty.body.len()), (StatusCode::NO_CONTENT, 0));
    }

    #[test]
    fn an_answer_that_is_not_a_batchs_is_an_error_saying_what_it_lacks() {
        let prefix = "POST /v1.0/$batch: batched: ";
        for (answer, reason) in [
            (json!({"value": []}), "the batch's answer has no `responses` list"),
            (json!("text"), "the batch's answer has no `responses` list"),
            (json!({"responses": [{"status": 200}]}), "a response of the batch's answer has no `id`"),
            (
                json!({"responses": [{"id": "1", "status": 1000}]}),
                "a response of the batch's answer has no valid `status`",
            ),
        ] {
            assert_eq!(read(answer).unwrap_err(), format!("{prefix}{reason}"));
        }
        let html = HttpResponse::new(StatusCode::OK, HeaderMap::new(), "<html>");
        let error = read_responses(BATCH, &html).unwrap_err().to_string();
        assert_eq!(error, format!("{prefix}the batch's answer is not JSON"));
    }
}
