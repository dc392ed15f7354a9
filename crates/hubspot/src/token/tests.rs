//! Unit tests of the token cache with an in-memory refresher.

use super::*;
use std::sync::atomic::AtomicUsize;

struct Counting {
    calls: AtomicUsize,
    expires_in: u64,
    rotate: bool,
    revoked: bool,
}

impl TokenRefresher for Counting {
    fn refresh<'a>(&'a self, _rt: &'a Secret) -> BoxFuture<'a, Result<TokenResponse, Error>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            if self.revoked {
                return Err(Error::Reconnect(Box::new(ApiError::with_message(
                    400, "revoked",
                ))));
            }
            Ok(TokenResponse {
                access_token: Secret::new(format!("access-{n}")),
                refresh_token: Some(Secret::new(if self.rotate {
                    format!("refresh-{n}")
                } else {
                    "refresh-0".into()
                })),
                expires_in: self.expires_in,
                token_type: Some("bearer".into()),
                hub_id: Some(1),
                user_id: None,
                scopes: vec![],
            })
        })
    }
}

fn counting(expires_in: u64, rotate: bool, revoked: bool) -> Arc<Counting> {
    Arc::new(Counting {
        calls: AtomicUsize::new(0),
        expires_in,
        rotate,
        revoked,
    })
}

#[test]
fn margin_is_min_of_five_minutes_and_a_fifth() {
    let now = Instant::now();
    assert_eq!(
        renew_at(now, Duration::from_secs(1800)) - now,
        Duration::from_secs(1500)
    );
    assert_eq!(
        renew_at(now, Duration::from_secs(10)) - now,
        Duration::from_secs(8)
    );
    assert_eq!(renew_at(now, Duration::ZERO), now);
}

#[tokio::test]
async fn fifty_concurrent_callers_one_refresh() {
    let r = counting(1800, false, false);
    let source = TokenSource::oauth(Secret::new("refresh-0"), r.clone());
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = source.clone();
            tokio::spawn(async move { s.access_token().await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().expose(), "access-1");
    }
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
    assert_eq!(source.refresh_count(), 1);
}

#[tokio::test]
async fn hook_gets_rotated_refresh_token_only_when_new() {
    let r = counting(1800, true, false);
    let source = TokenSource::oauth(Secret::new("refresh-0"), r.clone());
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let sink = seen.clone();
    source.on_new_refresh_token(move |t| sink.lock().unwrap().push(t.expose().to_owned()));
    source.access_token().await.unwrap();
    source.force_refresh().await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["refresh-1", "refresh-2"]);
    assert_eq!(source.refresh_token().await.unwrap().expose(), "refresh-2");

    let same = counting(1800, false, false);
    let source = TokenSource::oauth(Secret::new("refresh-0"), same);
    let seen = Arc::new(AtomicUsize::new(0));
    let sink = seen.clone();
    source.on_new_refresh_token(move |_| {
        sink.fetch_add(1, Ordering::SeqCst);
    });
    source.access_token().await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn revoked_refresh_is_sticky_and_asks_once() {
    let r = counting(1800, false, true);
    let source = TokenSource::oauth(Secret::new("refresh-0"), r.clone());
    assert!(matches!(
        source.access_token().await,
        Err(Error::Reconnect(_))
    ));
    assert!(matches!(
        source.access_token().await,
        Err(Error::Reconnect(_))
    ));
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn short_lived_tokens_are_renewed_before_expiry() {
    let r = counting(1, false, false);
    let source = TokenSource::oauth(Secret::new("refresh-0"), r.clone());
    assert_eq!(source.access_token().await.unwrap().expose(), "access-1");
    assert_eq!(source.access_token().await.unwrap().expose(), "access-1");
    tokio::time::sleep(Duration::from_millis(850)).await;
    assert_eq!(source.access_token().await.unwrap().expose(), "access-2");
}

#[test]
fn debug_hides_tokens() {
    let s = TokenSource::private_app(Secret::new("pat-na1-secret"));
    assert!(!format!("{s:?}").contains("pat-na1-secret"));
}
