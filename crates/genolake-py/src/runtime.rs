//! The async runtime DataFusion and delta-rs run on, one per process.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

/// The process's runtime, started on first use with a worker per core.
pub(crate) fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("genolake")
            .build()
            // Without threads or a timer the process cannot do anything.
            .expect("genolake cannot start its threads")
    })
}
