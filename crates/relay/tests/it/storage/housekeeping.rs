//! Housekeeping cases: OAuth states, retention cleanup, stats, reopening SQLite.

use steward_relay::store::{QueueStore, Retention, Store};

use super::{OTHER, PORTAL, T0, ev, params, receipt};

pub(super) async fn oauth_state_is_single_use_and_expires(store: Store) {
    let h1 = [1u8; 32];
    let h2 = [2u8; 32];
    store
        .put_oauth_state(h1, "challenge-1".into(), T0 + 600_000)
        .await
        .unwrap();
    store
        .put_oauth_state(h2, "challenge-2".into(), T0 + 600_000)
        .await
        .unwrap();
    assert_eq!(
        store.take_oauth_state(h1, T0).await.unwrap().as_deref(),
        Some("challenge-1")
    );
    assert_eq!(
        store.take_oauth_state(h1, T0).await.unwrap(),
        None,
        "single use"
    );
    assert_eq!(
        store.take_oauth_state(h2, T0 + 600_000).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.take_oauth_state([3u8; 32], T0).await.unwrap(),
        None,
        "unknown"
    );
}

pub(super) async fn cleanup_honours_retention_and_dedupe_window(store: Store) {
    let retention = Retention::default();
    store
        .ingest(vec![ev(PORTAL, 1, 1), ev(PORTAL, 2, 1)], T0)
        .await
        .unwrap();
    let leased = store.lease(params(PORTAL, 1, T0)).await.unwrap().events;
    store
        .ack(PORTAL, vec![receipt(&leased[0].receipt)], T0)
        .await
        .unwrap();
    store
        .put_oauth_state([9u8; 32], "c".into(), T0 + 1)
        .await
        .unwrap();

    // Inside the dedupe window nothing but the expired state goes.
    let r = store
        .cleanup(T0 + retention.dedupe_ms - 1, retention)
        .await
        .unwrap();
    assert_eq!((r.expired_events, r.tombstones, r.oauth_states), (0, 0, 1));
    assert_eq!(
        store
            .ingest(vec![ev(PORTAL, 1, 1)], T0 + 10)
            .await
            .unwrap()
            .duplicates,
        1
    );
    // Past it, the tombstone goes; the unacked event stays (14 days).
    let r = store
        .cleanup(T0 + retention.dedupe_ms + 1, retention)
        .await
        .unwrap();
    assert_eq!((r.expired_events, r.tombstones), (0, 1));
    assert_eq!(store.stats(T0).await.unwrap()[0].backlog, 1);
    // Past retention, the unacked event goes too.
    let r = store
        .cleanup(T0 + retention.unacked_ms + 1, retention)
        .await
        .unwrap();
    assert_eq!(r.expired_events, 1);
    assert!(store.stats(T0).await.unwrap().is_empty());
}

pub(super) async fn stats_report_backlog_in_flight_dead_and_age(store: Store) {
    store
        .ingest(
            vec![ev(PORTAL, 1, 1), ev(PORTAL, 2, 1), ev(PORTAL, 3, 1)],
            T0,
        )
        .await
        .unwrap();
    store.ingest(vec![ev(OTHER, 1, 1)], T0 + 500).await.unwrap();
    store.lease(params(PORTAL, 1, T0 + 1000)).await.unwrap();
    let mut p = params(OTHER, 1, T0 + 1000);
    p.max_receives = 0; // dead-letters at once
    assert_eq!(store.lease(p).await.unwrap().dead_lettered, 1);
    let stats = store.stats(T0 + 2000).await.unwrap();
    assert_eq!(stats.len(), 2);
    let mine = stats.iter().find(|s| s.portal_id == PORTAL).unwrap();
    assert_eq!((mine.backlog, mine.in_flight, mine.dead), (3, 1, 0));
    assert_eq!(mine.oldest_received_at, Some(T0));
    let other = stats.iter().find(|s| s.portal_id == OTHER).unwrap();
    assert_eq!(
        (other.backlog, other.dead, other.oldest_received_at),
        (0, 1, None)
    );
}

#[tokio::test]
async fn sqlite_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/q.db");
    let store = steward_relay::store::SqliteStore::open(&path)
        .await
        .unwrap();
    store.ingest(vec![ev(PORTAL, 1, 1)], T0).await.unwrap();
    store.close().await;
    assert!(
        store.ingest(vec![ev(PORTAL, 2, 1)], T0).await.is_err(),
        "closed store refuses"
    );
    let reopened = steward_relay::store::SqliteStore::open(&path)
        .await
        .unwrap();
    assert_eq!(
        reopened
            .lease(params(PORTAL, 10, T0))
            .await
            .unwrap()
            .events
            .len(),
        1
    );
    reopened.close().await;
}
