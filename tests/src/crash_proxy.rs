//! A crash at the worst moment: a loopback TCP proxy in front of the simulator forwards
//! everything until the first contact batch update, lets HubSpot apply it, then withholds the
//! answer and signals. The test drops the round trip's future right there — exactly what a
//! process dying after HubSpot accepted the write (before the engine saw the answer, verified
//! it or audited it) looks like from outside. (Shared by the model test and the fault
//! scenarios.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

const NEEDLE: &[u8] = b"POST /crm/v3/objects/contacts/batch/update ";

/// One proxy, good for one crash (the first batch update through it trips it).
pub struct CrashProxy {
    pub url: String,
    state: Arc<State>,
}

struct State {
    target: SocketAddr,
    tripped: AtomicBool,
    signal: Notify,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl CrashProxy {
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(State {
            target,
            tripped: AtomicBool::new(false),
            signal: Notify::new(),
            tasks: Mutex::new(Vec::new()),
        });
        let s = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(s.target).await else {
                    continue;
                };
                let conn = tokio::spawn(relay(client, server, s.clone()));
                s.tasks
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(conn.abort_handle());
            }
        });
        state
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(accept.abort_handle());
        Ok(Self { url, state })
    }

    /// Resolves once HubSpot has applied the batch update and begun to answer.
    pub async fn tripped(&self) {
        self.state.signal.notified().await;
    }
}

impl Drop for CrashProxy {
    fn drop(&mut self) {
        for t in self
            .state
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            t.abort();
        }
    }
}

/// Pipes one connection both ways; after the tripping request, the answer is swallowed.
async fn relay(client: TcpStream, server: TcpStream, state: Arc<State>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let hit = Arc::new(AtomicBool::new(false));
    let up_hit = hit.clone();
    let up_state = state.clone();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        // The tail of the previous read, so a request line split across reads is still seen.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            carry.extend_from_slice(&buf[..n]);
            if carry.windows(NEEDLE.len()).any(|w| w == NEEDLE)
                && !up_state.tripped.swap(true, Ordering::SeqCst)
            {
                // Before forwarding: the answer must never reach the engine.
                up_hit.store(true, Ordering::SeqCst);
            }
            let keep = carry.len().saturating_sub(NEEDLE.len());
            carry.drain(..keep);
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if hit.load(Ordering::SeqCst) {
                // HubSpot wrote and answered; the engine "dies" before reading the answer.
                state.signal.notify_one();
                std::future::pending::<()>().await;
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::join!(up, down);
}
