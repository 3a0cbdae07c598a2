//! The web client end to end: the browser tests under `e2e/` (Node's test runner driving
//! Debian's Chromium through playwright-core) against this build's `chat` binary, after the
//! checks that its vendored files match their npm packages and that its JSDoc types hold.
//!
//! They need Node.js and `/usr/bin/chromium` (`apt-get install chromium`); without them the
//! test says so and passes, unless `CHAT_E2E_REQUIRED` is set (CI sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e")
}

/// Runs a command in `e2e/`; panics with its name when it fails.
fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .current_dir(e2e_dir())
        .env("CHAT_BIN", env!("CARGO_BIN_EXE_chat"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        status.success(),
        "{program} {} failed: {status}",
        args.join(" ")
    );
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_web_client_works_in_a_real_browser() {
    let missing: Vec<&str> = [
        ("node", available("node")),
        ("npm", available("npm")),
        ("/usr/bin/chromium", Path::new("/usr/bin/chromium").exists()),
    ]
    .into_iter()
    .filter(|(_, there)| !there)
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        let message = format!("the browser tests need {}", missing.join(", "));
        assert!(std::env::var_os("CHAT_E2E_REQUIRED").is_none(), "{message}");
        eprintln!("skipped: {message} (apt-get install chromium nodejs npm)");
        return;
    }
    // Installed once, and again whenever the lockfile is newer than what npm installed.
    let modified = |path: &str| {
        std::fs::metadata(e2e_dir().join(path))
            .and_then(|m| m.modified())
            .ok()
    };
    if modified("node_modules/.package-lock.json") < modified("package-lock.json") {
        run("npm", &["ci", "--no-audit", "--no-fund"]);
    }
    run("node", &["vendor.mjs", "--check"]);
    run("npx", &["tsc", "-p", "tsconfig.json"]);
    run("node", &["--test", "--test-concurrency=1", "tests/"]);
}
