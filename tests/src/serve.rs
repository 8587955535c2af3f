//! A `teledesk serve` process under test: started on a free loopback port with its own data
//! directory, its stdout and stderr captured (to check what it logs), killed or stopped on demand.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The `teledesk` binary: `TELEDESK_BIN` if set (benchmarks use a release build), else the debug build,
/// built once per test run so that a test never runs a stale one.
pub fn teledesk_bin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Ok(bin) = std::env::var("TELEDESK_BIN") {
                return PathBuf::from(bin);
            }
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("workspace root")
                .to_path_buf();
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "teledesk-cli",
                    "--bin",
                    "teledesk",
                ])
                .current_dir(&root)
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building teledesk failed");
            let target = std::env::var("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|_| root.join("target"));
            target.join("debug").join("teledesk")
        })
        .clone()
}

pub struct Serve {
    child: Child,
    pub base_url: String,
    pub data_dir: PathBuf,
    output: Arc<Mutex<String>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn capture(reader: impl std::io::Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            let mut out = into.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str(&line);
            out.push('\n');
        }
    });
}

impl Serve {
    /// Starts `teledesk serve` and waits until `/healthz` answers.
    pub async fn start(data_dir: &Path, env: &[(&str, &str)]) -> Serve {
        let port = free_port();
        let mut cmd = Command::new(teledesk_bin());
        cmd.args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TELEDESK_PUBLIC_URL")
        .env("TELEDESK_VISIBILITY_TIMEOUT", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn teledesk serve");
        let output = Arc::new(Mutex::new(String::new()));
        capture(child.stdout.take().expect("stdout"), output.clone());
        capture(child.stderr.take().expect("stderr"), output.clone());
        let serve = Serve {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            data_dir: data_dir.into(),
            output,
        };
        let mut serve = serve;
        let client = reqwest::Client::new();
        let mut up = false;
        for _ in 0..600 {
            if let Ok(Some(status)) = serve.child.try_wait() {
                panic!("serve exited with {status}:\n{}", serve.output());
            }
            if client
                .get(format!("{}/healthz", serve.base_url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "serve did not come up:\n{}", serve.output());
        serve
    }

    /// CPU time (user + system, all threads) the server process has used so far, from
    /// `/proc/<pid>/stat` (Linux), for the load tools' CPU per operation.
    pub fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // The fields after the command name (which may hold spaces) start after the last ')'.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
        let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
        // SAFETY: sysconf only reads a configuration value.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        Duration::from_nanos(ticks * 1_000_000_000 / hz)
    }

    /// Everything the process printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// SIGKILL: no chance to drain.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for a clean exit; returns the exit status's success.
    pub fn stop(&mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }

    pub async fn post_update(
        &self,
        bot_id: &str,
        secret: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .post(format!("{}/telegram/{bot_id}", self.base_url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        req.send().await.expect("post to serve")
    }
}

impl Serve {
    /// Waits until this server has nothing left to do: its `updates`, `jobs` and `events` queues
    /// hold no message, visible, delayed or in flight (a message leaves its queue only after its
    /// handler finished, having queued whatever follows from it). What a test then counts is
    /// final, with no guess at how long the server needs.
    pub async fn settled(&self, timeout: Duration) -> bool {
        use teledesk_ports::queue::{EVENTS, JOBS, UPDATES, teledesk_queues};
        let emb = teledesk_embedded::Embedded::open(&self.data_dir, teledesk_queues())
            .expect("open the server's data directory");
        crate::eventually(timeout, || {
            let q = emb.queue.clone();
            async move {
                let mut left = 0;
                for name in [UPDATES, JOBS, EVENTS] {
                    left += q.depth(name).await.expect("depth");
                }
                left == 0
            }
        })
        .await
    }

    /// Runs a `teledesk` CLI command on this server's data directory; returns its standard output
    /// (and panics with its standard error when it fails).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(teledesk_bin())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .env_remove("TELEGRAM_BOT_TOKEN")
            .output()
            .expect("run teledesk");
        assert!(
            out.status.success(),
            "teledesk {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}
