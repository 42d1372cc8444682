//! The store conformance suite: the store must pass it on SQLite and on PostgreSQL (the
//! server `RIVERWATCH_TEST_PG` names; `scripts/test` starts one on loopback).

use data::{
    Action, AlertFilter, Catalog, SqlStore, Status, Store, StoreError, TrackPoint, VesselState,
};
use geofence::alert::{Alert, AlertKind, Severity};
use serde_json::json;

fn alert(n: u32, kind: AlertKind, zone: Option<&str>) -> Alert {
    let started = 1_795_132_800_000 + i64::from(n) * 60_000;
    Alert {
        id: Alert::new_id(kind, 413_000_000 + n, zone, started),
        kind,
        severity: if n.is_multiple_of(2) {
            Severity::High
        } else {
            Severity::Medium
        },
        mmsi: 413_000_000 + n,
        vessel_name: Some(format!("HUO {n}")),
        zone_id: zone.map(str::to_string),
        started_at_ms: started,
        ended_at_ms: None,
        detected_at_ms: started + 600_000,
        position: (120.3 + f64::from(n) * 1e-4, 30.5),
        evidence: json!({"stopped_minutes": 12, "n": n}),
    }
}

async fn conformance(store: &SqlStore) {
    let mut feed = store.subscribe();
    // Save, read back, save again (nothing changes).
    let a = alert(1, AlertKind::UnlicensedDockActivity, Some("dock-unlic-01"));
    store.save_alert(&a).await.expect("save");
    store.save_alert(&a).await.expect("save again");
    let got = store.alert(&a.id).await.expect("read").expect("stored");
    assert_eq!(got.alert, a);
    assert_eq!(got.status, Status::New);
    assert!(store.alert("nope").await.expect("read").is_none());

    // The episode ends.
    store
        .end_alert(&a.id, a.started_at_ms + 900_000)
        .await
        .expect("end");
    let got = store.alert(&a.id).await.expect("read").expect("stored");
    assert_eq!(got.alert.ended_at_ms, Some(a.started_at_ms + 900_000));
    assert!(matches!(
        store.end_alert("nope", 0).await,
        Err(StoreError::NotFound(_))
    ));

    // Many alerts: filters and cursor pages, newest first.
    for n in 2..=30u32 {
        let (kind, zone) = if n.is_multiple_of(3) {
            (AlertKind::IllegalBerthing, Some("nb-bridge-01"))
        } else {
            (AlertKind::AisGap, None)
        };
        store.save_alert(&alert(n, kind, zone)).await.expect("save");
    }
    let all = store
        .list_alerts(&AlertFilter::default(), None, 1000)
        .await
        .expect("list");
    assert_eq!(all.alerts.len(), 30);
    assert_eq!(all.next, None);
    assert!(
        all.alerts
            .windows(2)
            .all(|w| w[0].alert.started_at_ms > w[1].alert.started_at_ms),
        "newest first"
    );
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_alerts(&AlertFilter::default(), cursor, 7)
            .await
            .expect("page");
        seen.extend(page.alerts.iter().map(|a| a.alert.id.clone()));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 30, "pages cover everything once");
    let ids: Vec<String> = all.alerts.iter().map(|a| a.alert.id.clone()).collect();
    assert_eq!(seen, ids);

    let count = |f: AlertFilter| async move {
        store
            .list_alerts(&f, None, 1000)
            .await
            .expect("list")
            .alerts
            .len()
    };
    assert_eq!(
        count(AlertFilter {
            kind: Some(AlertKind::IllegalBerthing),
            ..Default::default()
        })
        .await,
        10
    );
    assert_eq!(
        count(AlertFilter {
            zone_id: Some("nb-bridge-01".into()),
            severity: Some(Severity::High),
            ..Default::default()
        })
        .await,
        5
    );
    assert_eq!(
        count(AlertFilter {
            mmsi: Some(413_000_007),
            ..Default::default()
        })
        .await,
        1
    );
    let t0 = 1_795_132_800_000;
    assert_eq!(
        count(AlertFilter {
            since_ms: Some(t0 + 10 * 60_000),
            until_ms: Some(t0 + 20 * 60_000),
            ..Default::default()
        })
        .await,
        10
    );
    // SQL metacharacters are values, never SQL.
    for evil in [
        "x' OR '1'='1",
        "nb-bridge-01'; DROP TABLE alerts; --",
        "%",
        "\\",
    ] {
        assert_eq!(
            count(AlertFilter {
                zone_id: Some(evil.into()),
                ..Default::default()
            })
            .await,
            0
        );
    }
    assert_eq!(count(AlertFilter::default()).await, 30);

    assert_eq!(
        count(AlertFilter {
            bbox: Some([120.30045, 30.0, 120.30105, 31.0]),
            ..Default::default()
        })
        .await,
        6,
        "alerts 5..=10 lie in the box"
    );

    // The life cycle, recorded step by step.
    let id = &a.id;
    let t = 1_795_140_000_000;
    let s = store
        .act(id, Action::Acknowledge, "officer.li", "seen on camera 3", t)
        .await
        .expect("acknowledge");
    assert_eq!(s.status, Status::Acknowledged);
    let err = store.act(id, Action::Refer, "officer.li", "", t + 1).await;
    assert!(
        matches!(
            err,
            Err(StoreError::Transition {
                from: "acknowledged",
                action: "refer",
                ..
            })
        ),
        "{err:?}"
    );
    store
        .act(
            id,
            Action::Confirm,
            "supervisor.wang",
            "dock operating at night",
            t + 2,
        )
        .await
        .expect("confirm");
    store
        .act(
            id,
            Action::Refer,
            "supervisor.wang",
            "to the environmental agency",
            t + 3,
        )
        .await
        .expect("refer");
    let s = store
        .act(id, Action::Close, "supervisor.wang", "fined", t + 4)
        .await
        .expect("close");
    assert_eq!(s.status, Status::Closed);
    let events = store.alert_events(id).await.expect("events");
    let steps: Vec<(&str, Status, &str)> = events
        .iter()
        .map(|e| (e.action.as_str(), e.status, e.actor.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("acknowledge", Status::Acknowledged, "officer.li"),
            ("confirm", Status::Confirmed, "supervisor.wang"),
            ("refer", Status::Referred, "supervisor.wang"),
            ("close", Status::Closed, "supervisor.wang"),
        ]
    );
    assert_eq!(events[0].note, "seen on camera 3");
    assert!(matches!(
        store.act("nope", Action::Acknowledge, "x", "", t).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        count(AlertFilter {
            status: Some(Status::Closed),
            ..Default::default()
        })
        .await,
        1
    );
    // The feed: every change in commit order, live and replayable from any point.
    let mut live = Vec::new();
    while let Ok(c) = feed.try_recv() {
        live.push((c.seq, c.what, c.alert.alert.id));
    }
    assert_eq!(live.len(), 30 + 1 + 4, "30 opened, 1 ended, 4 steps");
    assert_eq!(live[1].1, "ended");
    assert_eq!(live.last().map(|c| c.1.as_str()), Some("closed"));
    let replayed: Vec<_> = store
        .changes_after(0, 1000)
        .await
        .expect("changes")
        .into_iter()
        .map(|c| (c.seq, c.what, c.alert.alert.id))
        .collect();
    assert_eq!(replayed, live);
    let tail = store.changes_after(live[30].0, 2).await.expect("changes");
    assert_eq!(tail.len(), 2);
    assert_eq!(tail[0].seq, live[31].0);

    // Accounts and tokens.
    let u = store
        .create_user("officer.li", "officer", "$argon2id$v=19$x", t)
        .await
        .expect("user");
    assert!(matches!(
        store.create_user("officer.li", "admin", "h", t).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .set_password("officer.li", "$argon2id$v=19$y")
        .await
        .expect("password");
    assert!(matches!(
        store.set_password("nobody", "h").await,
        Err(StoreError::NotFound(_))
    ));
    store
        .create_token("d1g3st", u.id, t, t + 1000)
        .await
        .expect("token");
    let who = store.token_user("d1g3st", t + 999).await.expect("lookup");
    assert_eq!(
        who.map(|u| (u.name, u.password_hash)),
        Some(("officer.li".into(), "$argon2id$v=19$y".into()))
    );
    assert_eq!(
        store.token_user("d1g3st", t + 1000).await.expect("lookup"),
        None,
        "expired"
    );
    assert_eq!(
        store.token_user("' OR 1=1 --", t).await.expect("lookup"),
        None
    );

    store
        .audit(
            "admin",
            "zones.import",
            "data/demo/zones.geojson",
            "45 zones",
            t,
        )
        .await
        .expect("audit");

    catalog_and_vessels(store, t).await;
}

async fn catalog_and_vessels(store: &SqlStore, t: i64) {
    // Reference data: create, replace, read, delete, import; SQL metacharacters are keys.
    let z = json!({"type": "Feature", "id": "dock-01", "properties": {"kind": "dock"}});
    assert!(
        store
            .put_record(Catalog::Zones, "dock-01", &z, "admin", t)
            .await
            .expect("put")
    );
    assert!(
        !store
            .put_record(Catalog::Zones, "dock-01", &z, "admin", t + 1)
            .await
            .expect("put")
    );
    let evil = "x'); DROP TABLE zones; --";
    assert!(
        store
            .put_record(Catalog::Zones, evil, &z, "admin", t)
            .await
            .expect("put")
    );
    let all = store.records(Catalog::Zones).await.expect("records");
    assert_eq!(all.len(), 2);
    let one = store
        .record(Catalog::Zones, "dock-01")
        .await
        .expect("read")
        .expect("there");
    assert_eq!((one.body, one.updated_at_ms), (z.clone(), t + 1));
    store
        .delete_record(Catalog::Zones, evil, "admin", t)
        .await
        .expect("delete");
    assert!(matches!(
        store.delete_record(Catalog::Zones, evil, "admin", t).await,
        Err(StoreError::NotFound(_))
    ));
    let rows = vec![
        (
            "413000001".to_string(),
            json!({"mmsi": "413000001", "name": "HUO 1"}),
        ),
        (
            "413000002".to_string(),
            json!({"mmsi": "413000002", "name": "HUO 2"}),
        ),
    ];
    store
        .import_records(Catalog::Registry, &rows, false, "admin", t)
        .await
        .expect("import");
    store
        .import_records(Catalog::Registry, &rows[1..], true, "admin", t)
        .await
        .expect("import");
    let reg = store.records(Catalog::Registry).await.expect("records");
    assert_eq!(
        reg.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["413000002"]
    );
    assert!(
        store
            .records(Catalog::Watchlist)
            .await
            .expect("records")
            .is_empty()
    );
    assert_eq!(store.meta("seeded_at").await.expect("meta"), None);
    store.set_meta("seeded_at", "then").await.expect("meta");
    store.set_meta("seeded_at", "now").await.expect("meta");
    assert_eq!(
        store.meta("seeded_at").await.expect("meta").as_deref(),
        Some("now")
    );

    // Vessels and tracks.
    let state = |name: &str, heard: i64| VesselState {
        mmsi: 413_000_001,
        name: Some(name.into()),
        last_heard_ms: heard,
        state: json!({"name": name}),
    };
    let point = |at: i64, sog: Option<f64>| TrackPoint {
        mmsi: 413_000_001,
        at_ms: at,
        lon: 120.25,
        lat: 30.5,
        sog_kn: sog,
        cog_deg: Some(271.3),
    };
    store
        .save_vessels(
            &[state("HUO 1", t)],
            &[point(t, Some(6.4)), point(t + 30_000, None)],
        )
        .await
        .expect("save");
    store
        .save_vessels(
            &[state("ZHE HUO 100%", t + 60_000)],
            &[point(t + 30_000, None)],
        )
        .await
        .expect("save again");
    let v = store
        .vessel(413_000_001)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(
        (v.name.as_deref(), v.last_heard_ms),
        (Some("ZHE HUO 100%"), t + 60_000)
    );
    assert_eq!(store.find_vessels("huo", 10).await.expect("find").len(), 1);
    assert_eq!(store.find_vessels("4130", 10).await.expect("find").len(), 1);
    assert_eq!(store.find_vessels("100%", 10).await.expect("find").len(), 1);
    assert_eq!(
        store.find_vessels("1_0", 10).await.expect("find").len(),
        0,
        "_ is literal"
    );
    assert_eq!(
        store
            .find_vessels("' OR '1'='1", 10)
            .await
            .expect("find")
            .len(),
        0
    );
    assert_eq!(store.find_vessels("", 10).await.expect("find").len(), 1);
    let track = store
        .track(413_000_001, t, t + 3_600_000, 100)
        .await
        .expect("track");
    assert_eq!(track, vec![point(t, Some(6.4)), point(t + 30_000, None)]);
    assert_eq!(store.prune_track(t + 1).await.expect("prune"), 1);
    assert_eq!(
        store
            .track(413_000_001, 0, i64::MAX, 100)
            .await
            .expect("track")
            .len(),
        1
    );

    // Writers at once wait for each other; none fails with "database is locked".
    let tasks: Vec<_> = (0..16u32)
        .map(|k| {
            let s = store.clone();
            tokio::spawn(async move {
                let key = format!("z{k}");
                s.put_record(Catalog::Zones, &key, &json!({"k": k}), "admin", t)
                    .await?;
                let mut p = point(t + i64::from(k) * 1000 + 1, Some(1.0));
                p.mmsi = 413_100_000 + k;
                let mut v = state("X", t);
                v.mmsi = p.mmsi;
                s.save_vessels(&[v], &[p]).await?;
                s.records(Catalog::Zones).await.map(|_| ())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("a concurrent write");
    }

    // A bulk import: the same rows and changes, the known one skipped, nothing published.
    let mut live = store.subscribe();
    let last = store.last_change_seq().await.expect("seq");
    let bulk = [
        alert(40, AlertKind::Speeding, None),
        alert(41, AlertKind::Speeding, None),
        alert(1, AlertKind::UnlicensedDockActivity, Some("dock-unlic-01")),
    ];
    assert_eq!(store.import_alerts(&bulk).await.expect("import"), 2);
    let changes = store.changes_after(last, 10).await.expect("changes");
    assert_eq!(
        changes
            .iter()
            .map(|c| c.alert.alert.id.as_str())
            .collect::<Vec<_>>(),
        [bulk[0].id.as_str(), bulk[1].id.as_str()]
    );
    assert!(live.try_recv().is_err(), "bulk imports are not streamed");

    // Statistics over the alerts stored above.
    let stats = store.alert_stats(0, i64::MAX).await.expect("stats");
    assert_eq!(stats.total, 32);
    assert_eq!(stats.by_day, vec![("2026-11-20".to_string(), 32)]);
    assert_eq!(stats.by_zone.iter().map(|(_, n)| n).sum::<i64>(), 11);
    assert_eq!(stats.by_status.iter().map(|(_, n)| n).sum::<i64>(), 32);
}

#[tokio::test]
async fn sqlite_passes_the_conformance_suite_and_keeps_it_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("riverwatch-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("state").join("riverwatch.sqlite");
    let store = SqlStore::open_sqlite(&path)
        .await
        .expect("open creates the file");
    conformance(&store).await;
    drop(store);
    // Reopened: everything is still there, migrations are not run twice.
    let store = SqlStore::open_sqlite(&path).await.expect("reopen");
    let all = store
        .list_alerts(&AlertFilter::default(), None, 1000)
        .await
        .expect("list");
    assert_eq!(all.alerts.len(), 32);
    assert_eq!(
        all.alerts
            .iter()
            .filter(|a| a.status == Status::Closed)
            .count(),
        1
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The PostgreSQL server to test against, if any: `RIVERWATCH_TEST_PG` (an admin URL).
/// `scripts/test` always sets it (and `RIVERWATCH_REQUIRE_PG`), so CI never skips this.
fn postgres() -> Option<String> {
    match std::env::var("RIVERWATCH_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("RIVERWATCH_REQUIRE_PG").is_none(),
                "RIVERWATCH_REQUIRE_PG is set but RIVERWATCH_TEST_PG is not"
            );
            eprintln!(
                "RIVERWATCH_TEST_PG is not set: PostgreSQL not tested (scripts/test sets it)"
            );
            None
        }
    }
}

#[tokio::test]
async fn postgres_passes_the_conformance_suite_and_keeps_it_across_a_reconnect() {
    let Some(admin) = postgres() else { return };
    let url = data::fresh_postgres_database(&admin, "rw_store")
        .await
        .expect("a fresh database");
    let store = SqlStore::open(&url).await.expect("connect and migrate");
    assert_eq!(store.backend(), data::Backend::Postgres);
    conformance(&store).await;
    store.close().await;
    let store = SqlStore::open(&url).await.expect("reconnect");
    let all = store
        .list_alerts(&AlertFilter::default(), None, 1000)
        .await
        .expect("list");
    assert_eq!(all.alerts.len(), 32);
}
