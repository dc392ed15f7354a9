//! The simulator's shared state: portals, grants, limits, faults, stats and the outlets
//! (webhooks, record file) that every handler reaches through one `Arc<Sim>`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::Tokens;
use crate::config::{LlmFaults, RateLimit, SimConfig};
use crate::portal::{Outcome, Portal};
use crate::record::Recorder;
use crate::secret::Secret;
use crate::seed::seed_portal;
use crate::stats::Stats;
use crate::util::{Clock, lock, now_ms, read, write};
use crate::webhook::WebhookQueue;

/// Faults and limits that `POST /_sim/faults` may change mid-run.
#[derive(Debug, Clone)]
pub(crate) struct Faults {
    pub fault_5xx: f64,
    pub fault_latency: Duration,
    pub rate_limit: Option<RateLimit>,
    pub daily_limit: Option<u32>,
    pub llm_latency: Duration,
    pub llm: LlmFaults,
}

/// A portal behind its own lock, so portals never wait on each other.
pub(crate) type PortalRef = Arc<RwLock<Portal>>;

/// Everything handlers share.
#[derive(Debug)]
pub(crate) struct Sim {
    pub portal_id: u64,
    pub app_id: u64,
    pub client_id: String,
    pub client_secret: Secret,
    seed: u64,
    contacts: usize,
    portals: RwLock<HashMap<u64, PortalRef>>,
    pub tokens: RwLock<Tokens>,
    pub limiter: Mutex<crate::ratelimit::Limiter>,
    pub faults: RwLock<Faults>,
    pub stats: Arc<Stats>,
    pub webhooks: Option<WebhookQueue>,
    pub recorder: Option<Recorder>,
    pub clock: Clock,
    rng: Mutex<StdRng>,
}

impl Sim {
    /// Builds the state and seeds the configured portal.
    pub(crate) fn new(
        config: &SimConfig,
        stats: Arc<Stats>,
        webhooks: Option<WebhookQueue>,
        recorder: Option<Recorder>,
    ) -> Self {
        let private = config
            .private_app_token
            .as_ref()
            .map(|t| (Secret::new(t.clone()), config.portal_id));
        let sim = Self {
            portal_id: config.portal_id,
            app_id: config.app_id,
            client_id: config.client_id.clone(),
            client_secret: Secret::new(config.client_secret.clone()),
            seed: config.seed,
            contacts: config.contacts,
            portals: RwLock::new(HashMap::new()),
            tokens: RwLock::new(Tokens::new(config.access_token_ttl, private)),
            limiter: Mutex::new(crate::ratelimit::Limiter::default()),
            faults: RwLock::new(Faults {
                fault_5xx: config.fault_5xx,
                fault_latency: config.fault_latency,
                rate_limit: config.rate_limit,
                daily_limit: config.daily_limit,
                llm_latency: config.llm_latency,
                llm: config.llm,
            }),
            stats,
            webhooks,
            recorder,
            clock: Clock::default(),
            rng: Mutex::new(StdRng::seed_from_u64(
                config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            )),
        };
        sim.ensure_portal(config.portal_id);
        sim
    }

    /// A portal that exists.
    pub(crate) fn portal(&self, id: u64) -> Option<PortalRef> {
        read(&self.portals).get(&id).cloned()
    }

    /// A portal, created (and seeded like the first one) when a test first installs
    /// the app into it.
    pub(crate) fn ensure_portal(&self, id: u64) -> PortalRef {
        if let Some(p) = self.portal(id) {
            return p;
        }
        let mut portals = write(&self.portals);
        portals
            .entry(id)
            .or_insert_with(|| {
                let now = now_ms();
                let mut portal = Portal::new(id, now - 800 * 86_400_000);
                seed_portal(&mut portal, self.contacts, self.seed, now);
                Arc::new(RwLock::new(portal))
            })
            .clone()
    }

    /// Publishes the effects of writes: stats rows and webhook events.
    pub(crate) fn emit(&self, outcome: Outcome) {
        if let Some(queue) = &self.webhooks {
            queue.push(&outcome.changes);
        }
        self.stats.writes(outcome.writes);
    }

    /// True with probability `p` (seeded, so a run with one seed fails the same calls).
    pub(crate) fn chance(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        lock(&self.rng).random_bool(p)
    }

    /// A seeded random number in `0..n`.
    pub(crate) fn pick(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        lock(&self.rng).random_range(0..n)
    }

    /// A snapshot of the current faults.
    pub(crate) fn faults(&self) -> Faults {
        read(&self.faults).clone()
    }
}
