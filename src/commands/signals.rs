//! Ending a run from outside: Ctrl-C (SIGINT) and SIGTERM (Docker, systemd, Kubernetes)
//! both start the same clean shutdown; a second signal while it runs forces the exit.

/// Listens for SIGINT and SIGTERM from the moment it is made (so an early signal is not
/// lost).
pub struct ShutdownSignals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

/// Exit code when a second signal forces the process out (128 + SIGINT, as shells do).
const FORCED: i32 = 130;

impl ShutdownSignals {
    pub fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(ShutdownSignals {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(ShutdownSignals {})
    }

    /// Waits for the first signal and returns its name. From then on, another signal
    /// ends the process at once (exit 130): the shutdown in progress is abandoned.
    pub async fn recv(mut self) -> &'static str {
        let name = self.next().await;
        tokio::spawn(async move {
            let again = self.next().await;
            eprintln!("\n{again} again: exiting without waiting for the plugins to stop");
            std::process::exit(FORCED);
        });
        name
    }

    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => "interrupted (SIGINT)",
                _ = self.term.recv() => "terminated (SIGTERM)",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "interrupted (Ctrl-C)"
        }
    }
}
