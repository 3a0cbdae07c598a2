//! Every scenario at a small scale against a real server on loopback, so that none can rot.

use std::time::Duration;

use chat_load::scenarios::{self, Options};
use chat_load::session::Target;
use chat_server::ServerConfig;
use chat_server::ratelimit::RateLimits;

async fn server() -> Options {
    serve(chat_engine::Engine::in_memory().await.unwrap()).await
}

/// Serves `engine` on a loopback port; answers options that drive it.
async fn serve(engine: chat_engine::Engine) -> Options {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = ServerConfig {
        rate_limits: RateLimits::off(),
        ..ServerConfig::default()
    };
    tokio::spawn(chat_server::run(
        listener,
        engine,
        config,
        std::future::pending(),
    ));
    Options {
        base_url: format!("http://{addr}"),
        target: Target { addr, sources: 4 },
        progress: indicatif::ProgressBar::hidden(),
        intents: None,
    }
}

fn count(report: &chat_load::report::Report, key: &str) -> u64 {
    report
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or_else(|| panic!("{key} missing in {}", report.json()))
}

fn number(report: &chat_load::report::Report, key: &str) -> f64 {
    report
        .get(key)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or_else(|| panic!("{key} missing in {}", report.json()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_holds_200_sessions_and_measures_memory() {
    let options = server().await;
    let report = scenarios::idle(&options, 200).await.unwrap();
    assert_eq!(count(&report, "sessions"), 200);
    assert_eq!(count(&report, "connect_samples"), 200);
    assert!(number(&report, "server_rss_kib") > 0.0);
    assert!(report.json().starts_with('{'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_delivers_every_message_once() {
    let options = server().await;
    let report = scenarios::fanout(&options, 50, 20, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(count(&report, "sent"), 40);
    assert_eq!(count(&report, "delivered"), 40 * 50);
    assert_eq!(
        (count(&report, "lost"), count(&report, "duplicated")),
        (0, 0)
    );
    assert!(number(&report, "latency_p99_ms") >= number(&report, "latency_p50_ms"));
    assert!(number(&report, "connect_server_cpu_s") >= 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_crosses_two_nodes_sharing_postgres() {
    let Some(url) = chat_engine::store::PostgresStore::test_url() else {
        return;
    };
    let node = || async {
        let store = chat_engine::store::PostgresStore::connect(&url).unwrap();
        let engine = chat_engine::Engine::builder()
            .backend(std::sync::Arc::new(store))
            .open()
            .await
            .unwrap();
        serve(engine).await
    };
    let (sending, delivering) = (node().await, node().await);
    // Sends through the first node, sessions on the second (`--gateway-addr`).
    let options = Options {
        target: delivering.target,
        ..sending
    };
    let report = scenarios::fanout(&options, 20, 20, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(count(&report, "delivered"), 20 * 20);
    assert_eq!(
        (count(&report, "lost"), count(&report, "duplicated")),
        (0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_sessions_identify_with_intents() {
    // Every intent but GUILD_PRESENCES: the messages still arrive, every one once.
    let options = chat_load::scenarios::Options {
        intents: Some(0xffff & !(1 << 8)),
        ..server().await
    };
    let report = scenarios::fanout(&options, 20, 20, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(count(&report, "delivered"), 20 * 20);
    assert_eq!(count(&report, "lost"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ramp_steps_up_the_rate() {
    let options = server().await;
    let reports = scenarios::ramp(&options, 20, 20, 20, 40, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(!reports.is_empty());
    assert_eq!(count(&reports[0], "rate"), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_resumes_dropped_sessions() {
    let options = server().await;
    let report = scenarios::churn(&options, 20, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(count(&report, "resumed") > 0, "{}", report.json());
    assert_eq!(count(&report, "failed"), 0, "{}", report.json());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_counts_acknowledged_sends() {
    let options = server().await;
    let report = scenarios::ingest(&options, 8, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(count(&report, "acknowledged") > 0);
    assert!(number(&report, "msgs_per_s") > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_runs_against_the_engine_in_process_and_beside_the_server() {
    let progress = indicatif::ProgressBar::hidden();
    let engine = chat_load::in_process::ingest(4, Duration::from_secs(1), &progress)
        .await
        .unwrap();
    let acknowledged = count(&engine, "acknowledged");
    assert!(acknowledged > 0, "{}", engine.json());
    assert!(engine.get("ack_p99_ms").is_some());
    let server = scenarios::ingest(&server().await, 4, Duration::from_secs(1))
        .await
        .unwrap();
    let both = chat_load::report::Report::beside(("server", &server), ("engine", &engine));
    assert_eq!(count(&both, "engine_acknowledged"), acknowledged);
    assert_eq!(
        count(&both, "server_acknowledged"),
        count(&server, "acknowledged")
    );
    let ratio = number(&both, "ratio_msgs_per_s");
    let expected = number(&server, "msgs_per_s") / number(&engine, "msgs_per_s");
    assert!((ratio - expected).abs() < 1e-3, "{ratio} {expected}");
}

/// The `chat` binary this `cargo test` built, beside this test's own executable.
fn chat_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .join("chat");
    assert!(
        bin.exists(),
        "{} is missing: build chat-server first",
        bin.display()
    );
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loses_and_duplicates_nothing_acknowledged() {
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let options = chat_load::crash::CrashOptions {
        server_bin: chat_binary(),
        addr,
        senders: 3,
        watchers: 2,
        kills: 2,
        duration: Duration::from_secs(3),
        progress: indicatif::ProgressBar::hidden(),
    };
    let report = chat_load::crash::crash(&options).await.unwrap();
    eprintln!("{}", report.json());
    assert!(count(&report, "acknowledged") > 10, "{}", report.json());
    assert_eq!(
        count(&report, "found"),
        count(&report, "acknowledged"),
        "{}",
        report.json()
    );
    assert_eq!(count(&report, "lost"), 0, "{}", report.json());
    assert_eq!(count(&report, "duplicated"), 0, "{}", report.json());
    assert_eq!(count(&report, "watcher_missed"), 0, "{}", report.json());
    assert_eq!(count(&report, "kills"), 2, "{}", report.json());
    assert!(
        count(&report, "watcher_reconnects") >= 2 * 2,
        "{}",
        report.json()
    );
}

/// The reference server on a free loopback port.
async fn reference() -> Options {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(chat_load::reference::serve(listener));
    Options {
        base_url: format!("http://{addr}"),
        target: Target { addr, sources: 4 },
        progress: indicatif::ProgressBar::hidden(),
        intents: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_is_driven_like_ours_and_compared() {
    let (ours, theirs) = (server().await, reference().await);
    let run = |options: Options| async move {
        scenarios::fanout(&options, 20, 20, Duration::from_secs(1))
            .await
            .unwrap()
    };
    let (mine, reference) = (run(ours).await, run(theirs.clone()).await);
    assert_eq!(
        count(&reference, "delivered"),
        20 * 20,
        "{}",
        reference.json()
    );
    assert_eq!(count(&reference, "lost"), 0);
    let compared = chat_load::report::Report::compare(&mine, &reference);
    assert_eq!(count(&compared, "ours_delivered"), 400);
    assert_eq!(count(&compared, "reference_delivered"), 400);
    assert!((number(&compared, "ratio_delivered") - 1.0).abs() < 1e-9);
    assert!(compared.get("ratio_latency_p99_ms").is_some());
    // The other scenarios drive it too.
    let ingest = scenarios::ingest(&theirs, 4, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(count(&ingest, "acknowledged") > 0);
    let churn = scenarios::churn(&theirs, 4, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(count(&churn, "resumed") > 0);
    assert_eq!(count(&churn, "failed"), 0);
}
