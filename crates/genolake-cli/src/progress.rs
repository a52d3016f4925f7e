//! A progress bar over shared reader counters, shown only on a terminal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use genolake_core::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Draws `progress` against `total_bytes` until dropped. Draws nothing when
/// stderr is not a terminal, so logs and CI output stay clean.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    pub fn start(progress: Arc<Progress>, total_bytes: u64, verb: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Self { stop, thread: None };
        }
        let bar = ProgressBar::new(total_bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(verb);
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            loop {
                bar.set_position(progress.bytes().min(total_bytes));
                let records = progress.records();
                let skipped = progress.skipped();
                let seconds = bar.elapsed().as_secs_f64().max(1e-3);
                let mut msg = format!("{records} records, {:.0}/s", records as f64 / seconds);
                if skipped > 0 {
                    msg.push_str(&format!(", {skipped} skipped"));
                }
                let nulled = progress.nulled();
                if nulled > 0 {
                    msg.push_str(&format!(", {nulled} values null"));
                }
                bar.set_message(msg);
                if flag.load(Ordering::Relaxed) {
                    bar.finish_and_clear();
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
