//! `riverwatch api`: the officers' API on the cluster's PostgreSQL store. Engines write
//! the alerts; this node relays each change they commit to its live stream (woken by
//! their nudge on [`ALERTS_SUBJECT`], and every second without one), asks the cameras for
//! a snapshot of each new alert, and passes catalog edits on to the engines. Any number
//! of API nodes may run.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use data::{Catalog, SqlStore, Store};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::{ALERTS_SUBJECT, CONTROL_SUBJECT, Cluster, connect};
use crate::{datadir, listen, serve};

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub config: Option<PathBuf>,
    pub cluster: Cluster,
    pub database: String,
    pub listen: String,
    pub state_dir: PathBuf,
}

/// The API's view of a cluster: edits go to the engines over NATS.
#[derive(Debug)]
struct ClusterNode {
    client: async_nats::Client,
}

impl api::Node for ClusterNode {
    fn reload(&self, what: Catalog) -> api::NodeFuture<'_, Result<Value, String>> {
        Box::pin(async move {
            if what == Catalog::Cameras {
                return Ok(json!({"running": true}));
            }
            self.client
                .publish(CONTROL_SUBJECT, what.name().to_string().into())
                .await
                .map_err(|e| format!("telling the engines: {e}"))?;
            Ok(json!({"running": true, "applied_by": "every engine, between two stream messages"}))
        })
    }

    fn receivers(&self) -> Value {
        // The receivers run on the ingest nodes.
        json!([])
    }

    fn metrics(&self) -> String {
        String::new()
    }
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let settings = datadir::load_settings(&opts.data, opts.config.as_deref())?;
    let rt = listen::runtime()?;
    rt.block_on(async move {
        let store = Arc::new(serve::open_store(&opts.database).await?);
        serve::seed(&store, &opts.data).await?;
        let client = connect(&opts.cluster).await?;
        let state = serve::api_state(
            store.clone(),
            &settings,
            &opts.state_dir,
            Arc::new(ClusterNode {
                client: client.clone(),
            }),
            settings.store.evidence_window_s,
        )?;
        let (stop_tx, stop) = watch::channel(false);
        tokio::spawn(api::cameras::pull_on_schedule(state.clone(), stop.clone()));
        tokio::spawn(api::referrals::deliver_on_schedule(
            state.clone(),
            stop.clone(),
        ));
        tokio::spawn(api::cameras::expire_on_schedule(
            state.clone(),
            settings.store.image_retention_days,
            stop.clone(),
        ));
        tokio::spawn(relay(store.clone(), client, state.clone()));
        let listener = tokio::net::TcpListener::bind(&opts.listen)
            .await
            .with_context(|| format!("listen {}", opts.listen))?;
        if let Ok(a) = listener.local_addr() {
            tracing::info!("api listening on {a}");
        }
        let mut stopped = stop.clone();
        let server = tokio::spawn(async move {
            let until = async move {
                let _ = stopped.changed().await;
            };
            if let Err(e) = api::serve(listener, state, until).await {
                tracing::error!("api: {e}");
            }
        });
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        anyhow::Ok(())
    })
}

/// Relays the changes engines commit to this node's live stream, and asks the cameras
/// for a snapshot of each new alert.
async fn relay(store: Arc<SqlStore>, client: async_nats::Client, state: api::AppState) {
    let mut nudges = match client.subscribe(ALERTS_SUBJECT).await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("no alert nudges ({e}): looking every second");
            None
        }
    };
    let mut last = match store.last_change_seq().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("reading the change log: {e}");
            0
        }
    };
    let mut feed = store.subscribe();
    loop {
        let nudged = async {
            match nudges.as_mut() {
                Some(s) => s.next().await.is_some(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = nudged => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        match store.relay_changes(last).await {
            Ok(seq) => last = seq,
            Err(e) => tracing::warn!("relaying alert changes: {e}"),
        }
        // New alerts: the cameras that see them are asked for a snapshot.
        while let Ok(c) = feed.try_recv() {
            if c.what == "opened" {
                let api = state.clone();
                tokio::spawn(async move {
                    let a = c.alert.alert;
                    if let Err(e) = api::cameras::pull_for_alert(&api, &a).await {
                        tracing::warn!("snapshots for alert {}: {}", a.id, e.message());
                    }
                });
            }
        }
    }
}
