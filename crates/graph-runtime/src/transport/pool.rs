//! Open connections kept for the next request to the same origin.
//!
//! An HTTP/1 connection carries one exchange at a time: it is taken out for a request and put back
//! once its response has been read to the end and hyper is ready for the next request on it. An
//! HTTP/2 connection carries many at once: it stays in the pool from its handshake on and every
//! request gets a handle on it. A connection idle for longer than [`IDLE_TIMEOUT`], or closed by
//! the server, is dropped (which ends its task). Connections are keyed by the same [`Origin`] that
//! decides where credentials may go: scheme and host in lower case, the port with its default.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::connect::Sender;
pub(super) use crate::absolute_url::Origin;

/// How long an unused connection is kept: servers and load balancers close idle ones after a
/// minute or two, so an older one would most likely fail its next request.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// At most this many idle HTTP/1 connections per origin; beyond, a returned one is closed.
pub(super) const MAX_IDLE_PER_ORIGIN: usize = 32;

struct Idle {
    sender: Sender,
    since: Instant,
}

impl Idle {
    fn usable(&self, now: Instant) -> bool {
        !self.sender.is_closed() && now.saturating_duration_since(self.since) < IDLE_TIMEOUT
    }
}

/// The connections of one transport (and all its clones).
#[derive(Default)]
pub(super) struct Pool {
    idle: Mutex<HashMap<Origin, Vec<Idle>>>,
}

impl Pool {
    /// A connection to `origin` that is still open, if the pool has one: the most recently used
    /// HTTP/1 connection, or a handle on the HTTP/2 one.
    pub(super) fn checkout(&self, origin: &Origin) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let connections = idle.get_mut(origin)?;
        let now = Instant::now();
        connections.retain(|connection| connection.usable(now));
        let found = match connections.last_mut() {
            Some(shared) => match shared.sender.share() {
                Some(handle) => {
                    // In use again: its idle time starts over.
                    shared.since = now;
                    Some(handle)
                }
                None => connections.pop().map(|connection| connection.sender),
            },
            None => None,
        };
        if connections.is_empty() {
            idle.remove(origin);
        }
        found
    }

    /// Keeps a new HTTP/2 connection for the requests that follow (an HTTP/1 one is put back by
    /// [`Pool::release`] once its exchange is over), unless the pool already has one for `origin`.
    /// Requests that start together before any connection is open each open their own; the first
    /// one kept then carries every later request, and the others close when the request that
    /// opened them is over (their last handle is dropped).
    pub(super) fn opened(&self, origin: &Origin, sender: &Sender) {
        if let Some(handle) = sender.share() {
            self.keep(origin, handle);
        }
    }

    /// Puts back an HTTP/1 connection whose response has been read to the end, once hyper has
    /// finished with the exchange (at once, usually; else from a task, so the caller never waits).
    pub(super) fn release(self: &Arc<Pool>, origin: Origin, mut sender: Sender) {
        if sender.share().is_some() {
            return;
        }
        if sender.is_ready() {
            self.keep(&origin, sender);
            return;
        }
        let pool = Arc::downgrade(self);
        tokio::spawn(async move {
            if sender.ready().await {
                if let Some(pool) = pool.upgrade() {
                    pool.keep(&origin, sender);
                }
            }
        });
    }

    fn keep(&self, origin: &Origin, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Swept here too, so connections to an origin never asked for again do not linger.
        let now = Instant::now();
        idle.retain(|_, connections| {
            connections.retain(|connection| connection.usable(now));
            !connections.is_empty()
        });
        let connections = idle.entry(origin.clone()).or_default();
        if sender.is_multiplexed() && connections.iter().any(|connection| connection.sender.is_multiplexed())
        {
            return;
        }
        if connections.len() < MAX_IDLE_PER_ORIGIN {
            connections.push(Idle { sender, since: now });
        }
    }
}
