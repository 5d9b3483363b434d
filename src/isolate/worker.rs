//! The plugin thread: owns one `JsRuntime` (one isolate) and its current-thread tokio
//! runtime, evaluates the plugin, and serves the handle's commands one at a time. Between
//! commands it keeps turning the plugin's event loop so timers and pending work run.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::path::PathBuf;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::{Duration, Instant};

use deno_core::error::{CoreError, CoreErrorKind, JsError};
use deno_core::{JsRuntime, PollEventLoopOptions, RuntimeOptions, v8};
use tokio::sync::{mpsc, oneshot};

use crate::error::{JsException, LoadError, Phase, PluginError};
use crate::ext;
use crate::ext::events::bus::{Bus, EventSource};
use crate::ext::log::buffer::LogLevel;
use crate::ext::scheduler::schedule::Scheduler;
use crate::ext::storage::store::StoreBackend;
use crate::isolate::command::Command;
use crate::isolate::cpu::{Governor, Verdict, thread_cpu_time};
use crate::isolate::loader::PluginModuleLoader;
use crate::isolate::shape::Shape;
use crate::isolate::shared::Shared;
use crate::isolate::watchdog::{Interrupt, Target, Watchdog};
use crate::manifest::ByteSize;
use crate::manifest::{Permission, RestartPolicy};
use crate::state::{HeapStats, PluginState};

/// JS stack the engine may use, in KiB: well inside the plugin thread's native stack, so
/// runaway recursion is a `RangeError` in the plugin and never a host stack overflow.
pub(crate) const JS_STACK_KIB: usize = 1024;

/// How often heap statistics are sampled after steps (always after a failure).
const HEAP_SAMPLE_INTERVAL: Duration = Duration::from_millis(100);

/// Heap every isolate may use for the runtime's own JS (the web platform from the startup
/// snapshot or its own evaluation, and the bootstrap), on top of the plugin's
/// `resources.memory`, in bytes. Measured: ~4.8 MB in use after bootstrap (quickjs
/// engine, 2026-11); the rest is headroom for the engine's allocation granularity. Without
/// it a small `resources.memory` (the minimum is 4MB) could not even create its isolate.
pub(crate) const RUNTIME_HEAP: u64 = 8 * 1024 * 1024;

pub(crate) struct WorkerSpec {
    pub shared: Arc<Shared>,
    pub root: PathBuf,
    pub watchdog: Arc<Watchdog>,
    pub stack_size: usize,
    pub restart: RestartPolicy,
    pub cpu_window: Duration,
    pub cpu_cooldown: Duration,
    pub storage: Arc<dyn StoreBackend>,
    pub bus: Arc<Bus>,
    pub data_dir: PathBuf,
    pub scheduler: Scheduler,
    pub code_cache: bool,
    pub startup_snapshot: bool,
    /// HOSTAPI (issue 14): the host's functions for its plugins.
    pub host_api: crate::ext::host_api::registry::HostApi,
    /// The runtime's count of abandoned plugin threads.
    pub abandoned: Arc<std::sync::atomic::AtomicU64>,
    /// Test hook: install `__qirvoTestBlockNative` (see `PluginRuntime::enable_test_block_native`).
    pub test_block_native: bool,
    /// SECURITY (issue 17): where this plugin's ops, loader and steps report.
    pub security: crate::security::Reporter,
}

/// Starts the plugin thread. `ready` receives the outcome of evaluation + `initialize`.
pub(crate) fn spawn(
    spec: WorkerSpec,
    rx: mpsc::UnboundedReceiver<Command>,
    ready: oneshot::Sender<Result<(), LoadError>>,
) -> std::io::Result<()> {
    let name = format!("qirvo:{}", spec.shared.manifest.id);
    let stack = spec.stack_size;
    std::thread::Builder::new()
        .name(name)
        .stack_size(stack)
        .spawn(move || thread_main(spec, rx, ready))?;
    Ok(())
}

fn thread_main(
    spec: WorkerSpec,
    rx: mpsc::UnboundedReceiver<Command>,
    ready: oneshot::Sender<Result<(), LoadError>>,
) {
    let tokio_rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            spec.shared.set_state(PluginState::Error);
            let _ = ready.send(Err(LoadError::Thread {
                id: spec.shared.manifest.id.clone(),
                source: e,
            }));
            return;
        }
    };
    run_thread(spec, rx, ready, &tokio_rt, None);
}

/// A plugin's load, handed to a warm isolate's thread.
pub(crate) struct Claim {
    pub spec: WorkerSpec,
    pub rx: mpsc::UnboundedReceiver<Command>,
    pub ready: oneshot::Sender<Result<(), LoadError>>,
}

/// Starts a thread that makes a warm isolate of `shape`, hands `offer` the way to claim it,
/// and then waits: a claim binds the isolate to its plugin and the thread becomes that
/// plugin's thread; the sender dropped ends it.
pub(crate) fn spawn_warm(
    shape: Shape,
    snapshot: bool,
    bus: Arc<Bus>,
    scheduler: Scheduler,
    stack_size: usize,
    offer: impl FnOnce(Result<std::sync::mpsc::Sender<Box<Claim>>, String>) + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("qirvo:warm".into())
        .stack_size(stack_size)
        .spawn(move || {
            let tokio_rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return offer(Err(e.to_string())),
            };
            let engine = {
                let _guard = tokio_rt.enter();
                placeholder_states(shape.network, bus, scheduler)
                    .and_then(|states| Engine::create(shape.memory, states, false, snapshot))
            };
            let engine = match engine {
                Ok(e) => e,
                Err(e) => return offer(Err(e)),
            };
            let (tx, claims) = std::sync::mpsc::channel::<Box<Claim>>();
            offer(Ok(tx));
            if let Ok(claim) = claims.recv() {
                drop(claims);
                run_thread(claim.spec, claim.rx, claim.ready, &tokio_rt, Some(engine));
            }
        })?;
    Ok(())
}

fn run_thread(
    spec: WorkerSpec,
    rx: mpsc::UnboundedReceiver<Command>,
    ready: oneshot::Sender<Result<(), LoadError>>,
    tokio_rt: &tokio::runtime::Runtime,
    warm: Option<Engine>,
) {
    let carry = Carry {
        governor: Governor::new(
            spec.shared.manifest.resources.cpu,
            spec.cpu_window,
            spec.cpu_cooldown,
        ),
        deferred: VecDeque::new(),
        resume_running: false,
        ready: Some(ready),
    };
    continue_thread(spec, rx, carry, tokio_rt, warm);
}

/// Runs one isolate of the plugin on this thread; a restart continues on a new thread.
fn continue_thread(
    spec: WorkerSpec,
    mut rx: mpsc::UnboundedReceiver<Command>,
    carry: Carry,
    tokio_rt: &tokio::runtime::Runtime,
    warm: Option<Engine>,
) {
    let shared = spec.shared.clone();
    shared.clock.attach();
    let next = tokio_rt.block_on(run_plugin(&spec, &mut rx, carry, warm));
    shared.clock.detach();
    if shared.is_abandoned() {
        // The host gave up on this thread while it was stuck, and may since have unloaded
        // the plugin and loaded another with its id: touch nothing shared, just end.
        return;
    }
    *shared.target.lock() = None;
    if let Some(carry) = next {
        // Every isolate on a thread of its own: the engine keeps per-thread tables that
        // a long run of isolates on one thread would exhaust.
        // Commands keep arriving on the plugin's channel: its receiver moves along.
        let stack = spec.stack_size;
        let name = format!("qirvo:{}", spec.shared.manifest.id);
        let relocated = std::thread::Builder::new()
            .name(name)
            .stack_size(stack)
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(tokio_rt) => continue_thread(spec, rx, carry, &tokio_rt, None),
                    Err(e) => {
                        spec.shared.logs.push(
                            LogLevel::Error,
                            &format!("restart failed: cannot start its thread: {e}"),
                        );
                        end_plugin(&spec, true);
                    }
                }
            });
        if let Err(e) = relocated {
            // The closure (and the plugin's spec) is gone with the failed spawn.
            shared.logs.push(
                LogLevel::Error,
                &format!("restart failed: cannot start its thread: {e}"),
            );
            shared.set_state(PluginState::Error);
            shared.end();
        }
        return;
    }
    end_plugin(&spec, false);
}

/// The plugin's thread is done for good (unloaded, or failed with no restart left): the
/// plugin has ended.
fn end_plugin(spec: &WorkerSpec, failed: bool) {
    if failed {
        spec.shared.set_state(PluginState::Error);
    }
    spec.shared.end();
}

/// What one isolate's thread hands the next when the plugin restarts.
struct Carry {
    governor: Governor,
    /// Commands that arrived during the restart backoff.
    deferred: VecDeque<Command>,
    /// Start the new isolate too (it was running).
    resume_running: bool,
    /// The first load's reply, until it is sent.
    ready: Option<oneshot::Sender<Result<(), LoadError>>>,
}

/// Runs the plugin in one isolate: the first load, or a restart. Returns what the next
/// isolate needs when its restart policy (or the host) asks for one.
async fn run_plugin(
    spec: &WorkerSpec,
    rx: &mut mpsc::UnboundedReceiver<Command>,
    carry: Carry,
    mut warm: Option<Engine>,
) -> Option<Carry> {
    let shared = &spec.shared;
    let Carry {
        governor,
        mut deferred,
        resume_running,
        mut ready,
    } = carry;
    let governor = Rc::new(RefCell::new(governor));
    {
        // A fresh isolate starts with no subscriptions; its code subscribes again.
        spec.bus.remove(&shared.manifest.id);
        spec.scheduler.remove_plugin(&shared.manifest.id);
        let created = std::time::Instant::now();
        // The first isolate may be a warm one, made before the plugin was known.
        let made = match warm.take() {
            Some(engine) if engine.fits(spec) => plugin_states(spec)
                .and_then(|states| engine.bind(spec, governor.clone(), Some(states))),
            _ => Worker::new(spec, governor.clone()),
        };
        let booted = match made {
            Ok(mut worker) => {
                tracing::debug!(target: "qirvo::timing", plugin = %shared.manifest.id, isolate = ?created.elapsed(), "isolate created");
                match worker.boot(resume_running).await {
                    Ok(()) => Ok(worker),
                    Err(e) => Err((e, worker.restartable)),
                }
            }
            Err(e) => Err((e, false)),
        };
        let exit = match booted {
            Ok(worker) => {
                if let Some(r) = ready.take() {
                    let _ = r.send(Ok(()));
                }
                worker.serve(rx, &mut deferred).await
            }
            Err((e, restartable)) => {
                shared.set_state(PluginState::Error);
                match ready.take() {
                    // The first load reports its failure to the host; it is not retried.
                    Some(r) => {
                        let _ = r.send(Err(e));
                        return None;
                    }
                    None => {
                        shared
                            .logs
                            .push(LogLevel::Error, &format!("restart failed: {e}"));
                        Exit::Failed {
                            restartable,
                            was_running: resume_running,
                        }
                    }
                }
            }
        };
        let governor = Rc::try_unwrap(governor)
            .map(RefCell::into_inner)
            .unwrap_or_else(|g| g.borrow().clone());
        let (restartable, was_running) = match exit {
            Exit::Done => return None,
            Exit::Restart { was_running } => {
                shared.restarts.fetch_add(1, Ordering::Relaxed);
                return Some(Carry {
                    governor,
                    deferred,
                    resume_running: was_running,
                    ready,
                });
            }
            Exit::Failed {
                restartable,
                was_running,
            } => (restartable, was_running),
        };
        if !restartable || !back_off(spec, rx, &mut deferred).await {
            return None;
        }
        Some(Carry {
            governor,
            deferred,
            resume_running: was_running,
            ready,
        })
    }
}

/// Before a restart after a failure: counts the restart and waits the restart policy's
/// delay for it. Returns `false` when the plugin ends instead: no restarts left, an
/// unload during the wait, or the host gone. Other commands that arrive meanwhile are
/// pushed to `deferred` for the next isolate.
async fn back_off(
    spec: &WorkerSpec,
    rx: &mut mpsc::UnboundedReceiver<Command>,
    deferred: &mut VecDeque<Command>,
) -> bool {
    let shared = &spec.shared;
    let n = shared.restarts.load(Ordering::Relaxed) + 1;
    let Some(delay) = spec.restart.delay(n) else {
        if matches!(spec.restart, RestartPolicy::OnFailure { .. }) {
            tracing::warn!(target: "qirvo::lifecycle", plugin = %shared.manifest.id, "failed; no restarts left under its policy");
        }
        return false;
    };
    shared.restarts.store(n, Ordering::Relaxed);
    tracing::warn!(target: "qirvo::lifecycle", plugin = %shared.manifest.id, restart = n, ?delay, "restarting in a fresh isolate");
    shared.logs.push(
        LogLevel::Warn,
        &format!(
            "restarting in a fresh isolate (restart {n}, after {} ms)",
            delay.as_millis()
        ),
    );
    // An unload during the backoff ends the plugin instead; other commands wait.
    let sleep = tokio::time::sleep(delay);
    let mut sleep = pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return true,
            cmd = rx.recv() => match cmd {
                None => return false,
                Some(Command::Unload { reply }) => {
                    shared.set_state(PluginState::Unloaded);
                    let _ = reply.send(Ok(()));
                    return false;
                }
                Some(other) => deferred.push_back(other),
            },
        }
    }
}

/// How long an idle plugin thread keeps looking for the next command before it sleeps:
/// back-to-back calls then skip a thread wake-up, which costs tens of microseconds.
const SPIN_BEFORE_PARK: Duration = Duration::from_micros(50);

/// Waits for the next command. Spins briefly first while commands have been arriving back to
/// back and the machine has a core to spare (`crate::wait`), so a caller in a loop does not pay
/// a wake-up per call; sporadic traffic (events, health checks) goes straight to sleep.
async fn next_command(
    rx: &mut mpsc::UnboundedReceiver<Command>,
    wait: &crate::wait::Adaptive,
) -> Option<Command> {
    let waiting = Instant::now();
    let cmd = match wait.spin(|| match rx.try_recv() {
        Ok(cmd) => Some(Some(cmd)),
        Err(mpsc::error::TryRecvError::Disconnected) => Some(None),
        Err(mpsc::error::TryRecvError::Empty) => None,
    }) {
        Some(cmd) => cmd,
        None => rx.recv().await,
    };
    wait.record(waiting.elapsed());
    cmd
}

/// PERF (issue 20): one phase of a plugin's load, as a `qirvo::timing` debug event (`phase`,
/// `us`): states, engine (the isolate from the snapshot), bind (the bootstrap's `bind`),
/// module (resolve, read, transpile, compile), evaluate, initialize.
fn timing(plugin: &str, phase: &'static str, since: Instant) {
    tracing::debug!(target: "qirvo::timing", plugin, phase, us = since.elapsed().as_micros() as u64, "load phase");
}

/// What ended a stretch of event-loop turning.
enum Next {
    Cmd(Option<Command>),
    Loop(Result<(), CoreError>, Option<Interrupt>),
    Pause,
}

/// Records CPU used by a piece of plugin work, publishes the figures, logs throttling
/// changes, and returns how long the plugin's next work must wait.
fn account(
    shared: &Shared,
    governor: &RefCell<Governor>,
    work: Duration,
    security: &crate::security::Reporter,
    phase: &str,
) -> Duration {
    let mut g = governor.borrow_mut();
    let (verdict, delay) = g.account(work);
    *shared.cpu.lock() = g.snapshot();
    shared
        .counters
        .cpu_share_peak
        .fetch_max((g.stats.share * 100.0) as u64, Ordering::Relaxed);
    match verdict {
        Verdict::Ok => {}
        Verdict::Throttled { share } => {
            let limit = shared.manifest.resources.cpu;
            // The plugin's own log line below says it at warn level (tracing target
            // `qirvo::plugin`); this one is for diagnostics, so a run does not print it twice.
            tracing::debug!(target: "qirvo::resources", plugin = %shared.manifest.id, share, limit, "over its CPU share: throttled");
            shared.logs.push(
                LogLevel::Warn,
                &format!("used {share:.0}% of a core, over its {limit}% share: throttled"),
            );
            // SECURITY (issue 17): one event per throttle episode (the governor says
            // `Throttled` once, when it begins).
            security.report(
                crate::security::Decision::Throttled,
                Some("resources.cpu"),
                crate::security::EventKind::Limit {
                    limit: crate::security::Limit::CpuThrottle,
                    phase: phase.to_string(),
                    detail: format!("used {share:.0}% of a core, over its {limit}% share"),
                },
            );
        }
        Verdict::Released => {
            tracing::info!(target: "qirvo::resources", plugin = %shared.manifest.id, "CPU throttling released");
        }
    }
    delay
}

/// Why [`Worker::serve`] returned.
enum Exit {
    /// Unloaded, or every handle is gone.
    Done,
    /// The plugin failed and its isolate is gone.
    Failed {
        restartable: bool,
        was_running: bool,
    },
    /// The host asked for a fresh isolate.
    Restart { was_running: bool },
}

/// What [`Worker::invoke`] runs.
enum Invoke<'a> {
    /// A lifecycle method of the default export; `config` is JSON for `initialize`.
    Lifecycle {
        step: &'static str,
        config: Option<String>,
    },
    /// An exported function, with its arguments as a JSON array.
    Call { name: &'a str, args_json: String },
    /// An event for the plugin's `qirvo.events` handlers.
    Event {
        name: &'a str,
        payload: String,
        source: String,
    },
    /// A scheduled task's callback.
    Task { id: u32, once: bool },
    /// Test mode: list (-1) or run a registered test.
    Test { index: i32 },
    /// A debugger's request for the debug agent, as JSON.
    Debug { request_json: String },
}

/// How a driven step ended, before termination is taken into account.
enum Outcome<T> {
    Done(Result<T, CoreError>),
    /// The event loop ran dry but the awaited promise is still pending.
    Stuck,
    /// The watchdog or the host interrupted the step while it waited.
    Interrupted,
}

/// The Rust state a plugin's extensions hold (log, events, scheduler, storage, and its
/// granted capabilities).
pub(crate) struct PluginStates {
    logs: Arc<crate::ext::log::buffer::LogBuffer>,
    events: ext::events::ops::EventsState,
    scheduler: ext::scheduler::ops::SchedulerState,
    storage: ext::storage::ops::StorageState,
    fetch: Option<ext::fetch::ops::FetchState>,
    fs: Option<ext::fs::FsState>,
    /// HOSTAPI (issue 14): `qirvo.host`, only for a plugin granted a host permission.
    host: Option<ext::host_api::ops::HostApiState>,
}

/// The states of the plugin `spec` describes.
fn plugin_states(spec: &WorkerSpec) -> Result<PluginStates, LoadError> {
    let manifest = &spec.shared.manifest;
    let fail = |message: String| LoadError::Module {
        id: manifest.id.clone(),
        message,
    };
    let store = spec
        .storage
        .open(&manifest.id)
        .map_err(|e| fail(format!("cannot open its storage: {e}")))?;
    let fs = if manifest.grants(Permission::FilesystemAccess) {
        let dir = spec
            .data_dir
            .join("plugins")
            .join(&manifest.id)
            .join("files");
        Some(ext::fs::FsState::open(&dir).map_err(|e| {
            fail(format!(
                "cannot open its files directory {}: {e}",
                dir.display()
            ))
        })?)
    } else {
        None
    };
    // A capability that is not granted is not registered at all.
    let fetch = if manifest.grants(Permission::NetworkAccess) {
        Some(
            ext::fetch::ops::FetchState::new(ext::fetch::ops::FetchConfig {
                plugin: manifest.id.clone(),
                allowed_hosts: manifest.allowed_hosts.clone(),
                max_connections: manifest.resources.max_connections,
                bandwidth: manifest.resources.bandwidth,
                plugin_timeout: manifest.resources.timeout,
                counters: spec.shared.counters.clone(),
            })
            .map_err(fail)?,
        )
    } else {
        None
    };
    Ok(PluginStates {
        logs: spec.shared.logs.clone(),
        events: ext::events::ops::EventsState {
            bus: spec.bus.clone(),
            plugin: manifest.id.clone(),
            tx: Arc::new(spec.shared.tx.downgrade()),
        },
        scheduler: ext::scheduler::ops::SchedulerState {
            scheduler: spec.scheduler.clone(),
            plugin: manifest.id.clone(),
            tx: Arc::new(spec.shared.tx.downgrade()),
        },
        storage: ext::storage::ops::StorageState {
            store,
            quota: manifest.resources.storage,
            // FLEET (issue 18): storage calls give up before the step's deadline.
            step_deadline: {
                let shared = spec.shared.clone();
                Arc::new(move || shared.target.lock().as_ref().and_then(|t| t.deadline()))
            },
        },
        fetch,
        fs,
        host: ext::host_api::ops::HostApiState::new(spec.host_api.clone(), manifest.clone(), {
            let shared = spec.shared.clone();
            Arc::new(move || shared.target.lock().as_ref().and_then(|t| t.deadline()))
        }),
    })
}

/// States for a warm isolate that has no plugin yet: inert, and all replaced by `bind`
/// before any plugin code runs.
pub(crate) fn placeholder_states(
    network: bool,
    bus: Arc<Bus>,
    scheduler: Scheduler,
) -> Result<PluginStates, String> {
    let (tx, _) = mpsc::unbounded_channel::<Command>();
    let store = crate::ext::storage::store::backend(
        &crate::ext::storage::store::StorageKind::Memory,
        PathBuf::new(),
    )
    .open("")
    .map_err(|e| e.to_string())?;
    let fetch = if network {
        Some(ext::fetch::ops::FetchState::new(
            ext::fetch::ops::FetchConfig {
                plugin: String::new(),
                allowed_hosts: Vec::new(),
                max_connections: 1,
                bandwidth: None,
                plugin_timeout: Duration::from_secs(1),
                counters: Default::default(),
            },
        )?)
    } else {
        None
    };
    Ok(PluginStates {
        logs: Arc::new(crate::ext::log::buffer::LogBuffer::new("", 1, None)),
        events: ext::events::ops::EventsState {
            bus,
            plugin: String::new(),
            tx: Arc::new(tx.downgrade()),
        },
        scheduler: ext::scheduler::ops::SchedulerState {
            scheduler,
            plugin: String::new(),
            tx: Arc::new(tx.downgrade()),
        },
        storage: ext::storage::ops::StorageState {
            store,
            quota: ByteSize(0),
            step_deadline: Arc::new(|| None),
        },
        fetch,
        fs: None,
        host: None,
    })
}

/// An isolate with the web platform and the bootstrap evaluated, not yet bound to a
/// plugin: made for a plugin as it loads, or ahead of time for the warm pool.
pub(crate) struct Engine {
    js: JsRuntime,
    loader: Rc<crate::isolate::loader::DeferredLoader>,
    target: Arc<Target>,
    counters: Rc<RefCell<Option<Arc<crate::counters::PluginCounters>>>>,
    memory: ByteSize,
    network: bool,
}

impl Engine {
    /// A new isolate with a `memory` heap limit and the extensions for `states` (fetch and
    /// fs only when present), plus the debug agent with `debug`.
    pub(crate) fn create(
        memory: ByteSize,
        states: PluginStates,
        debug: bool,
        snapshot: bool,
    ) -> Result<Engine, String> {
        let network = states.fetch.is_some();
        // The snapshot's extensions first, in its order (see snapshot.rs).
        let mut extensions = crate::isolate::snapshot::web_extensions(states.logs);
        extensions.extend([
            ext::events::ops::qirvo_events::init(states.events),
            ext::scheduler::ops::qirvo_scheduler::init(states.scheduler),
            ext::storage::ops::qirvo_storage::init(states.storage),
        ]);
        if let Some(fetch) = states.fetch {
            extensions.push(ext::fetch::ops::qirvo_fetch::init(fetch));
        }
        if let Some(fs) = states.fs {
            extensions.push(ext::fs::qirvo_fs::init(fs));
        }
        if debug {
            extensions.push(crate::debug::ops::qirvo_debug::init());
        }
        // HOSTAPI (issue 14): the host's functions, before the bootstrap that binds them.
        if let Some(host) = states.host {
            extensions.push(ext::host_api::ops::qirvo_host_api::init(host));
        }
        // SECURITY (issue 17): `qirvo.host`'s answer for ungranted functions, in every isolate.
        extensions.push(ext::host_api::ops::qirvo_host_denials::init());
        extensions.push(ext::host::qirvo::init());
        // The engine's limit is the plugin's `resources.memory` plus the runtime's own
        // allowance: every isolate holds the web platform (streams, fetch, crypto, Intl:
        // ~4.8 MB used right after bootstrap on the quickjs engine), and a plugin's memory
        // is what its own objects may use on top of that.
        let create_params = v8::CreateParams::default().heap_limits(
            0,
            usize::try_from(memory.bytes().saturating_add(RUNTIME_HEAP)).unwrap_or(usize::MAX),
        );
        // Count and time calls of Qirvo's own ops (not the web platform's), for the
        // metrics and the performance report, into the counters of whichever plugin
        // the isolate is bound to.
        let counters: Rc<RefCell<Option<Arc<crate::counters::PluginCounters>>>> = Rc::default();
        let slot = counters.clone();
        let op_metrics: deno_core::OpMetricsFactoryFn = Box::new(move |_, _, decl| {
            if !decl.name.starts_with("op_qirvo_") {
                return None;
            }
            let slot = slot.clone();
            let name = decl.name;
            Some(Rc::new(move |_, event, _| {
                let slot = slot.borrow();
                let Some(counters) = slot.as_ref() else {
                    return;
                };
                let now = Instant::now();
                match event {
                    deno_core::OpMetricsEvent::Dispatched => {
                        *counters.ops.lock().entry(name).or_default() += 1;
                        counters
                            .op_time
                            .lock()
                            .entry(name)
                            .or_default()
                            .started(now);
                    }
                    _ => {
                        if let Some(t) = counters.op_time.lock().get_mut(name) {
                            t.ended(now);
                        }
                    }
                }
            }))
        });
        let loader = Rc::new(crate::isolate::loader::DeferredLoader::default());
        let mut js = JsRuntime::try_new(RuntimeOptions {
            op_metrics_factory_fn: Some(op_metrics),
            module_loader: Some(loader.clone()),
            extensions,
            create_params: Some(create_params),
            startup_snapshot: if snapshot {
                crate::isolate::snapshot::ready()
            } else {
                None
            },
            // WEB (issue 15): where `structuredClone(v, { transfer })` and
            // `MessagePort.postMessage(v, [buffer])` keep a transferred ArrayBuffer's
            // memory until the copy takes it; without it, transferring one fails.
            shared_array_buffer_store: Some(Default::default()),
            ..Default::default()
        })
        .map_err(|e| format!("cannot create the isolate: {e}"))?;
        // PORTFIX (issue 15 review): messages waiting in MessagePorts count up to `memory`.
        js.op_state()
            .borrow_mut()
            .put(crate::isolate::snapshot::PortBudget(memory.bytes()));

        let target = Target::new(js.v8_isolate().thread_safe_handle());
        let heap_target = target.clone();
        // Near the heap limit: stop the plugin, and give the engine headroom so it
        // finishes the termination instead of aborting the process.
        js.add_near_heap_limit_callback(move |current, _initial| {
            heap_target.interrupt_here(Interrupt::Memory);
            current.saturating_mul(2)
        });
        Ok(Engine {
            js,
            loader,
            target,
            counters,
            memory,
            network,
        })
    }

    /// Whether this isolate can run the plugin `spec` describes (see [`Shape`]).
    pub(crate) fn fits(&self, spec: &WorkerSpec) -> bool {
        Shape {
            memory: self.memory,
            network: self.network,
        }
        .serves(&spec.shared)
    }

    /// The facts the bootstrap's `bind` gives the plugin's `qirvo` global: its id, name,
    /// version, permissions, test mode and the host functions it may call.
    fn plugin_info(&mut self, spec: &WorkerSpec) -> ext::host::PluginInfo {
        let manifest = &spec.shared.manifest;
        ext::host::PluginInfo {
            id: manifest.id.clone(),
            name: manifest.name.clone(),
            version: manifest.version.to_string(),
            permissions: manifest
                .permissions
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            test_mode: spec.shared.test_mode,
            host_functions: {
                let state = self.js.op_state();
                let state = state.borrow();
                state
                    .try_borrow::<ext::host_api::ops::HostApiState>()
                    .map(|h| h.info())
                    .unwrap_or_default()
            },
        }
    }

    /// Binds the isolate to its plugin: its module loader, counters, isolate handle, and
    /// (for a warm isolate) its states; then the bootstrap builds its `qirvo` global.
    fn bind(
        mut self,
        spec: &WorkerSpec,
        governor: Rc<RefCell<Governor>>,
        states: Option<PluginStates>,
    ) -> Result<Worker, LoadError> {
        let manifest = spec.shared.manifest.clone();
        let cache = spec
            .code_cache
            .then(|| crate::isolate::codecache::TranspileCache::new(&spec.data_dir));
        let debug = spec.shared.debug.clone();
        if let Some(d) = &debug {
            d.new_isolate();
        }
        let loader = Rc::new(
            PluginModuleLoader::new(spec.root.clone(), cache, debug)
                // HARDEN (issue 12): module size in proportion to the memory limit.
                .with_memory_limit(manifest.resources.memory.bytes())
                // SECURITY (issue 17): refused imports are reported.
                .with_security(spec.security.clone())
                // issue 19: the manifest's import map.
                .with_imports(&manifest.imports),
        );
        self.loader.set(loader.clone());
        *self.counters.borrow_mut() = Some(spec.shared.counters.clone());
        self.put_op_state(spec, states);
        self.arm_backstop(spec);
        self.call_bind(spec)?;
        Ok(Worker {
            profiler: None,
            js: self.js,
            shared: spec.shared.clone(),
            target: self.target,
            watchdog: spec.watchdog.clone(),
            loader,
            namespace: None,
            limit: self.memory,
            timeout: manifest.resources.timeout,
            peak: Cell::new(0),
            heap_sampled: None,
            governor,
            pause_until: None,
            restartable: false,
            failed_while_running: false,
            scheduler: spec.scheduler.clone(),
        })
    }

    /// Puts what the plugin's ops read into the isolate's op state: its security reporter
    /// and host-function denials, (for a warm isolate) its states, and the debug agent's.
    fn put_op_state(&mut self, spec: &WorkerSpec, states: Option<PluginStates>) {
        let manifest = &spec.shared.manifest;
        let state = self.js.op_state();
        let mut state = state.borrow_mut();
        // SECURITY (issue 17): the ops report through the plugin's reporter, and
        // `qirvo.host` answers for the host functions it was not granted.
        state.put(spec.security.clone());
        state.put(ext::host_api::ops::HostDenials::new(
            &spec.host_api,
            manifest,
        ));
        if let Some(states) = states {
            state.put(states.logs);
            state.put(states.events);
            state.put(states.scheduler);
            state.put(states.storage);
            if let Some(fetch) = states.fetch {
                state.put(fetch);
            }
            if let Some(fs) = states.fs {
                state.put(fs);
            }
        }
        if let Some(shared) = spec.shared.debug.clone() {
            state.put(crate::debug::ops::DebugOpState {
                shared,
                watchdog: spec.watchdog.clone(),
                target: self.target.clone(),
            });
        }
    }

    /// Publishes this isolate as the plugin's current one and arms the backstop for it.
    fn arm_backstop(&self, spec: &WorkerSpec) {
        *spec.shared.target.lock() = Some(self.target.clone());
        // The backstop: if a step of this isolate outlives its interrupt by the grace, the
        // plugin is marked unresponsive and its thread abandoned (see watchdog.rs). Weak:
        // the target is held by the shared state.
        let shared = Arc::downgrade(&spec.shared);
        let count = spec.abandoned.clone();
        self.target.set_on_abandon(move |report| {
            if let Some(shared) = shared.upgrade() {
                shared.abandon(report, &count);
            }
        });
    }

    /// Calls the bootstrap's `bind` with the plugin's facts: it builds the `qirvo` global.
    fn call_bind(&mut self, spec: &WorkerSpec) -> Result<(), LoadError> {
        let fail = |message: String| LoadError::Module {
            id: spec.shared.manifest.id.clone(),
            message,
        };
        let info =
            serde_json::to_string(&self.plugin_info(spec)).map_err(|e| fail(e.to_string()))?;
        let bind = {
            let state = self.js.op_state();
            let state = state.borrow();
            state
                .try_borrow::<ext::host::HostFns>()
                .map(|h| h.bind.clone())
                .ok_or_else(|| fail("the bootstrap did not register with the host".into()))?
        };
        {
            deno_core::scope!(scope, &mut self.js);
            v8::tc_scope!(let tc, scope);
            let f = v8::Local::new(tc, bind);
            let undefined = v8::undefined(tc).into();
            let arg =
                v8::String::new(tc, &info).ok_or_else(|| fail("plugin facts too large".into()))?;
            if f.call(tc, undefined, &[arg.into()]).is_none() {
                let why = tc
                    .exception()
                    .map(|e| e.to_rust_string_lossy(tc))
                    .unwrap_or_else(|| "terminated".into());
                return Err(fail(format!("cannot bind the isolate: {why}")));
            }
            if spec.test_block_native {
                install_test_block_native(tc);
            }
        }
        Ok(())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Before the isolate goes (the fields drop after this): nothing may write into
        // its memory any more.
        if let Some(debug) = &self.shared.debug {
            debug.clear_flag();
        }
    }
}

/// A CPU profile in progress: a local inspector session on the plugin's thread.
struct Profiler {
    session: deno_core::LocalInspectorSession,
    replies: Rc<RefCell<Vec<deno_core::InspectorMsg>>>,
    next: i32,
}

impl Profiler {
    /// Sends a protocol request; returns its id (replies arrive synchronously).
    fn post(&mut self, method: &str, params: Option<serde_json::Value>) -> i32 {
        let id = self.next;
        self.next += 1;
        self.session.post_message(id, method, params);
        id
    }
}

struct Worker {
    /// Before `js`: an inspector session must go before its runtime.
    profiler: Option<Profiler>,
    js: JsRuntime,
    shared: Arc<Shared>,
    target: Arc<Target>,
    watchdog: Arc<Watchdog>,
    loader: Rc<PluginModuleLoader>,
    namespace: Option<v8::Global<v8::Object>>,
    limit: ByteSize,
    timeout: Duration,
    peak: Cell<u64>,
    heap_sampled: Option<Instant>,
    governor: Rc<RefCell<Governor>>,
    /// Don't start new work before this (CPU throttling).
    pause_until: Option<Instant>,
    /// Set when the plugin failed in a way its restart policy covers (memory, or a
    /// lifecycle timeout).
    restartable: bool,
    /// Whether it was running (or starting) when it failed.
    failed_while_running: bool,
    scheduler: Scheduler,
}

impl Worker {
    fn new(spec: &WorkerSpec, governor: Rc<RefCell<Governor>>) -> Result<Worker, LoadError> {
        let t = Instant::now();
        let states = plugin_states(spec)?;
        timing(spec.shared.manifest.id.as_str(), "states", t);
        let debug = spec.shared.debug.is_some();
        let t = Instant::now();
        let engine = Engine::create(
            spec.shared.manifest.resources.memory,
            states,
            debug,
            spec.startup_snapshot,
        )
        .map_err(|message| LoadError::Module {
            id: spec.shared.manifest.id.clone(),
            message,
        })?;
        timing(spec.shared.manifest.id.as_str(), "engine", t);
        let t = Instant::now();
        let worker = engine.bind(spec, governor, None);
        timing(spec.shared.manifest.id.as_str(), "bind", t);
        worker
    }

    fn id(&self) -> &str {
        &self.shared.manifest.id
    }

    /// Loads and evaluates the entry module, then runs `initialize(ctx)`; on a restart of
    /// a plugin that was running, `start()` too.
    async fn boot(&mut self, resume_running: bool) -> Result<(), LoadError> {
        self.failed_while_running = resume_running;
        let id = self.id().to_string();
        let url = self
            .loader
            .entry_url(&self.shared.manifest.main)
            .map_err(|message| LoadError::Module {
                id: id.clone(),
                message,
            })?;
        let t = Instant::now();
        let mod_id = self
            .js
            .load_main_es_module(&url)
            .await
            .map_err(|e| LoadError::Module {
                id: id.clone(),
                message: core_error_message(e),
            })?;
        timing(&id, "module", t);

        self.shared.set_state(PluginState::Initializing);
        let timeout = self.timeout;
        let t = Instant::now();
        if let Err(e) = self.evaluate_module(mod_id, timeout).await {
            self.restartable |= matches!(e, PluginError::Timeout { .. });
            return Err(e.into());
        }
        timing(&id, "evaluate", t);
        let ns = self
            .js
            .get_module_namespace(mod_id)
            .map_err(|e| LoadError::Module {
                id: id.clone(),
                message: core_error_message(e),
            })?;
        *self.shared.exports.lock() = self.read_exports(&ns);
        self.namespace = Some(ns);
        // TESTRUNNER (issue 16): under `qirvo test` the entry module is a test file; the
        // plugin's own main module (imported by the test or not) is evaluated too, and its
        // `initialize` runs below with the manifest's config, so tests see what `qirvo call`
        // sees. Tests themselves run by index (runTest), not through this namespace.
        // A test file's own `export const config` is merged over that config (its keys
        // win) for this isolate's `initialize`.
        let mut test_config: Option<String> = None;
        if self.shared.test_mode {
            let main = crate::manifest::Manifest::from_dir(&self.shared.dir)?.main;
            let module = |message: String| LoadError::Module {
                id: id.clone(),
                message,
            };
            if let Some(own) = self.test_file_config(timeout).await? {
                let mut merged = self.shared.manifest.config.clone();
                merged.extend(own);
                test_config = Some(serde_json::Value::Object(merged).to_string());
            }
            let url = self.loader.entry_url(&main).map_err(module)?;
            let main_id = self
                .js
                .load_side_es_module(&url)
                .await
                .map_err(|e| module(core_error_message(e)))?;
            if let Err(e) = self.evaluate_module(main_id, timeout).await {
                return Err(e.into());
            }
            let main_ns = self
                .js
                .get_module_namespace(main_id)
                .map_err(|e| module(core_error_message(e)))?;
            self.namespace = Some(main_ns);
        }
        if self.shared.evaluate_only {
            // `PluginRuntime::check`: the modules evaluated; nothing of the lifecycle runs.
            self.shared.set_state(PluginState::Initialized);
            return Ok(());
        }

        let config = test_config.unwrap_or_else(|| {
            serde_json::Value::Object(self.shared.manifest.config.clone()).to_string()
        });
        let init_started = Instant::now();
        if let Err(e) = self
            .lifecycle(Phase::Initialize, "initialize", Some(config))
            .await
        {
            self.restartable |= matches!(e, PluginError::Timeout { .. });
            self.shared
                .counters
                .error(crate::counters::Failed::Initialize);
            return Err(e.into());
        }
        self.shared
            .counters
            .initialize_us
            .store(init_started.elapsed().as_micros() as u64, Ordering::Relaxed);
        timing(&id, "initialize", init_started);
        *self.shared.counters.started.lock() = Some(Instant::now());
        self.shared.set_state(PluginState::Initialized);
        if resume_running {
            self.start().await?;
        }
        Ok(())
    }

    /// TESTRUNNER (issue 16): the test file's own `export const config` (the entry
    /// module's namespace is still the test file's), checked in its isolate under the
    /// evaluate deadline (a Proxy in it runs plugin code; getters are refused unread).
    /// `None` when it exports none.
    ///
    /// # Errors
    /// `LoadError::Module` naming the file when the export is not a plain object of JSON
    /// data, or reading it threw.
    async fn test_file_config(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>, LoadError> {
        let file = self.shared.manifest.main.clone();
        let id = self.id().to_string();
        let module = |message: String| LoadError::Module {
            id: id.clone(),
            message,
        };
        let Some(ns) = self.namespace.clone() else {
            return Ok(None);
        };
        let check = self
            .js
            .execute_script(
                "ext:qirvo/test-config.js",
                crate::isolate::test_config::FILE_CONFIG_CHECK,
            )
            .map_err(|e| module(e.to_string()))?;
        let (check, ns) = {
            deno_core::scope!(scope, &mut self.js);
            let f = v8::Local::new(scope, &check);
            let Ok(f) = v8::Local::<v8::Function>::try_from(f) else {
                return Err(module("the test config check did not compile".into()));
            };
            let ns: v8::Local<v8::Value> = v8::Local::new(scope, &ns).into();
            (v8::Global::new(scope, f), v8::Global::new(scope, ns))
        };
        let answer = match self
            .step(Phase::Evaluate, timeout, |w| {
                deno_core::scope!(scope, &mut w.js);
                Ok(JsRuntime::scoped_call_with_args(scope, &check, &[ns]))
            })
            .await
        {
            Ok(v) => v,
            Err(PluginError::Exception { exception, .. }) => {
                return Err(module(format!(
                    "{}: reading its `export const config` threw: {}",
                    file.display(),
                    exception.message
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let answer = {
            deno_core::scope!(scope, &mut self.js);
            let v = v8::Local::new(scope, answer);
            v.is_string().then(|| v.to_rust_string_lossy(scope))
        };
        crate::isolate::test_config::file_config(answer.as_deref(), &file).map_err(module)
    }

    /// Serves commands until unloaded, failed, or every handle is gone.
    async fn serve(
        mut self,
        rx: &mut mpsc::UnboundedReceiver<Command>,
        deferred: &mut VecDeque<Command>,
    ) -> Exit {
        let mut loop_idle = false;
        let wait = crate::wait::Adaptive::parked(SPIN_BEFORE_PARK);
        loop {
            if let Some(until) = self.pause_until.take() {
                // Throttled: the plugin's queued work waits.
                tokio::time::sleep_until(until.into()).await;
            }
            let cmd = if let Some(cmd) = deferred.pop_front() {
                Some(cmd)
            } else if loop_idle {
                next_command(rx, &wait).await
            } else {
                match self.turn_event_loop(rx).await {
                    Next::Cmd(c) => c,
                    Next::Pause => continue,
                    Next::Loop(result, why) => {
                        match self.background_ended(result, why) {
                            Ok(idle) => loop_idle = idle,
                            Err(exit) => return exit,
                        }
                        continue;
                    }
                }
            };
            let cmd = match cmd {
                None => {
                    // Every handle is gone: shut down quietly.
                    let _ = self.stop().await;
                    self.shared.set_state(PluginState::Unloaded);
                    return Exit::Done;
                }
                Some(Command::Unload { reply }) => {
                    let r = self.stop().await;
                    self.shared.set_state(PluginState::Unloaded);
                    // Dispose the isolate before answering, so its memory is returned
                    // by the time `unload` completes.
                    drop(self);
                    let _ = reply.send(r);
                    return Exit::Done;
                }
                Some(cmd) => cmd,
            };
            loop_idle = false;
            // SECURITY (issue 17): before and after each command.
            if let Some(exit) = self.quarantined() {
                return exit;
            }
            if let Some(exit) = self.handle(cmd).await {
                return exit;
            }
            if let Some(exit) = self.quarantined() {
                return exit;
            }
            if self.shared.is_abandoned() {
                // The host gave up on this thread while the step was stuck (its callers
                // already have their errors): end without running anything more.
                return Exit::Done;
            }
            if self.state() == PluginState::Error {
                // A failed lifecycle step or an exhausted heap: dispose the isolate.
                return Exit::Failed {
                    restartable: self.restartable,
                    was_running: self.failed_while_running,
                };
            }
        }
    }

    /// A stretch of event-loop turning ended with `result`, interrupted for `why` (if it
    /// was): logs what the plugin should hear about. `Ok(true)` when nothing is left to run
    /// until a command arrives; `Err` with the exit when the heap ran out.
    fn background_ended(
        &mut self,
        result: Result<(), CoreError>,
        why: Option<Interrupt>,
    ) -> Result<bool, Exit> {
        if why.is_some() {
            self.js.v8_isolate().cancel_terminate_execution();
        }
        match why {
            Some(Interrupt::Memory) => {
                self.record_heap(true);
                let heap = *self.shared.heap.lock();
                self.shared.logs.push(
                    LogLevel::Error,
                    &format!(
                        "exceeded its memory limit of {} in a background task (heap at {}); disposing the isolate",
                        self.limit, heap.used
                    ),
                );
                self.failed_while_running = self.state() == PluginState::Running;
                self.shared.set_state(PluginState::Error);
                // SECURITY (issue 17)
                reporter(&mut self.js).report(
                    crate::security::Decision::Killed,
                    Some("resources.memory"),
                    crate::security::EventKind::Limit {
                        limit: crate::security::Limit::Memory,
                        phase: "background work".into(),
                        detail: format!("heap at {} over its limit of {}", heap.used, self.limit),
                    },
                );
                return Err(Exit::Failed {
                    restartable: true,
                    was_running: self.failed_while_running,
                });
            }
            Some(Interrupt::Deadline) => {
                self.shared.logs.push(
                    LogLevel::Error,
                    &format!(
                        "a background task ran past the {} ms deadline and was terminated",
                        self.timeout.as_millis()
                    ),
                );
                // SECURITY (issue 17)
                reporter(&mut self.js).report(
                    crate::security::Decision::Killed,
                    Some("resources.timeout"),
                    crate::security::EventKind::Limit {
                        limit: crate::security::Limit::Timeout,
                        phase: "background work".into(),
                        detail: format!("ran past its {} ms deadline", self.timeout.as_millis()),
                    },
                );
            }
            Some(Interrupt::Host) | None => {}
        }
        if let Err(e) = result {
            let message = core_error_message(e);
            // SECURITY (issue 17): an escape signal in background work's uncaught error.
            if let Some((target, detail)) = crate::security::escape_in_error(&message) {
                reporter(&mut self.js).escape(target, &format!("{detail} in background work"));
            }
            self.shared
                .logs
                .push(LogLevel::Error, &format!("uncaught: {message}"));
            return Ok(false);
        }
        Ok(why.is_none())
    }

    /// SECURITY (issue 17): a quarantined plugin runs nothing more: its isolate goes and it
    /// stays in `error`, not restarted, until the host unloads it.
    fn quarantined(&mut self) -> Option<Exit> {
        if !reporter(&mut self.js).watch().is_quarantined() {
            return None;
        }
        self.shared.set_state(PluginState::Error);
        Some(Exit::Failed {
            restartable: false,
            was_running: false,
        })
    }

    /// Runs one command (all but `Unload`, which `serve` handles: it disposes the worker).
    /// Returns the exit when the command ends this isolate (`Restart`).
    async fn handle(&mut self, cmd: Command) -> Option<Exit> {
        match cmd {
            Command::Start { reply } => {
                let r = self.start().await;
                let _ = reply.send(r);
            }
            Command::Stop { reply } => {
                let r = self.stop().await;
                let _ = reply.send(r);
            }
            Command::Call {
                name,
                args,
                timeout,
                reply,
            } => {
                let r = self
                    .call(&name, args, timeout.unwrap_or(self.timeout))
                    .await;
                let _ = reply.send(r);
            }
            Command::Event(crate::ext::events::bus::EventDelivery {
                name,
                payload,
                source,
                pending,
                pending_bytes,
            }) => {
                let bytes = payload.len();
                self.deliver_event(&name, payload, source).await;
                pending.fetch_sub(1, Ordering::Relaxed);
                pending_bytes.fetch_sub(bytes, Ordering::Relaxed);
            }
            Command::RunTask(crate::ext::scheduler::schedule::TaskRun { id, once, running }) => {
                self.run_task(id, once).await;
                running.store(false, Ordering::Release);
                if once {
                    self.scheduler.finished(id);
                }
            }
            Command::Test {
                index,
                timeout,
                reply,
            } => {
                let r = if self.shared.test_mode {
                    let timeout = timeout.unwrap_or(self.timeout);
                    self.invoke(
                        Phase::Test(format!("#{index}")),
                        timeout,
                        Invoke::Test { index },
                    )
                    .await
                } else {
                    Err(self.invalid("run tests of"))
                };
                let _ = reply.send(r);
            }
            Command::Debug { request, reply } => {
                let r = self
                    .invoke(
                        Phase::Debugger,
                        self.timeout,
                        Invoke::Debug {
                            request_json: request.to_string(),
                        },
                    )
                    .await;
                let _ = reply.send(r);
            }
            Command::Profile { start, reply } => {
                let r = match start {
                    Some(interval) => self.start_profiling(interval).map(|_| None),
                    None => self.stop_profiling().map(Some),
                };
                let _ = reply.send(r);
            }
            Command::CollectGarbage { reply } => {
                self.js.v8_isolate().low_memory_notification();
                self.record_heap(true);
                let _ = reply.send(*self.shared.heap.lock());
            }
            Command::Restart => {
                let was_running = self.state() == PluginState::Running;
                let _ = self.stop().await;
                self.shared.logs.push(
                    LogLevel::Warn,
                    "restarting in a fresh isolate (resource enforcement)",
                );
                return Some(Exit::Restart { was_running });
            }
            Command::HealthCheck { reply } => {
                let r = self.health_check().await;
                let _ = reply.send(r);
            }
            Command::Unload { reply } => {
                // `serve` takes unloads itself (it disposes the isolate before replying);
                // this is the same unload, the isolate going with the worker.
                let r = self.stop().await;
                self.shared.set_state(PluginState::Unloaded);
                let _ = reply.send(r);
                return Some(Exit::Done);
            }
        }
        None
    }

    /// Turns the plugin's event loop (timers, pending work) until a command arrives, the
    /// loop runs dry, something interrupts it, or CPU throttling asks for a pause. Each
    /// turn runs plugin callbacks, so each is armed with the plugin's deadline.
    async fn turn_event_loop(&mut self, rx: &mut mpsc::UnboundedReceiver<Command>) -> Next {
        let recv = rx.recv();
        let mut recv = pin!(recv);
        let js = &mut self.js;
        let target = &self.target;
        let watchdog = &self.watchdog;
        let timeout = self.timeout;
        let shared = &self.shared;
        let governor = &self.governor;
        let security = reporter(js); // SECURITY (issue 17)
        let mut pause = None;
        let next = poll_fn(|cx| {
            if let Poll::Ready(c) = recv.as_mut().poll(cx) {
                return Poll::Ready(Next::Cmd(c));
            }
            let cpu0 = thread_cpu_time();
            let armed = watchdog.arm(target, timeout, None);
            let r = js.poll_event_loop(cx, PollEventLoopOptions::default());
            let why = armed.finish();
            let delay = account(
                shared,
                governor,
                thread_cpu_time().saturating_sub(cpu0),
                &security,
                "background work",
            );
            match r {
                Poll::Ready(r) => Poll::Ready(Next::Loop(r, why)),
                Poll::Pending if why.is_some() => Poll::Ready(Next::Loop(Ok(()), why)),
                Poll::Pending if delay > Duration::from_millis(1) => {
                    pause = Some(delay);
                    Poll::Ready(Next::Pause)
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        if let Some(d) = pause {
            self.pause_until = Some(Instant::now() + d);
        }
        next
    }

    fn profiler_error(&self, reason: impl Into<String>) -> PluginError {
        PluginError::Profiler {
            id: self.id().to_string(),
            reason: reason.into(),
        }
    }

    fn start_profiling(&mut self, interval: Duration) -> Result<(), PluginError> {
        if self.profiler.is_some() {
            return Err(self.profiler_error("already profiling"));
        }
        self.js.maybe_init_inspector();
        let replies = Rc::new(RefCell::new(Vec::new()));
        let sink = replies.clone();
        let session = deno_core::JsRuntimeInspector::create_local_session(
            self.js.inspector(),
            Box::new(move |msg| sink.borrow_mut().push(msg)),
            deno_core::InspectorSessionKind::NonBlocking {
                wait_for_disconnect: false,
            },
        );
        let mut p = Profiler {
            session,
            replies,
            next: 1,
        };
        let interval = interval.as_micros().min(i32::MAX as u128) as i64;
        p.post("Profiler.enable", None);
        p.post(
            "Profiler.setSamplingInterval",
            Some(serde_json::json!({ "interval": interval })),
        );
        p.post("Profiler.start", None);
        self.profiler = Some(p);
        Ok(())
    }

    fn stop_profiling(&mut self) -> Result<serde_json::Value, PluginError> {
        let Some(mut p) = self.profiler.take() else {
            return Err(self.profiler_error("not profiling (start_profiling first)"));
        };
        let id = p.post("Profiler.stop", None);
        let reply = p
            .replies
            .borrow()
            .iter()
            .find_map(|m| match m.kind {
                deno_core::InspectorMsgKind::Message(i) if i == id => {
                    serde_json::from_str::<serde_json::Value>(&m.content).ok()
                }
                _ => None,
            })
            .ok_or_else(|| self.profiler_error("the engine did not return a profile"))?;
        p.post("Profiler.disable", None);
        drop(p);
        let mut profile = crate::CpuProfile::from_json(reply["result"]["profile"].clone());
        // Positions in TypeScript files, back to the .ts lines.
        profile.map_positions(|url, line, col| self.loader.original_position(url, line, col));
        Ok(profile.json().clone())
    }

    fn invalid(&self, action: &'static str) -> PluginError {
        PluginError::InvalidState {
            id: self.id().to_string(),
            action,
            state: *self.shared.state.lock(),
        }
    }

    fn state(&self) -> PluginState {
        *self.shared.state.lock()
    }

    async fn start(&mut self) -> Result<(), PluginError> {
        if self.state() != PluginState::Initialized {
            return Err(self.invalid("start"));
        }
        self.shared.set_state(PluginState::Starting);
        let started = Instant::now();
        match self.lifecycle(Phase::Start, "start", None).await {
            Ok(_) => {
                self.shared
                    .counters
                    .start_us
                    .store(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                *self.shared.counters.started.lock() = Some(Instant::now());
                self.shared.set_state(PluginState::Running);
                Ok(())
            }
            Err(e) => {
                if matches!(e, PluginError::Timeout { .. }) {
                    self.restartable = true;
                    self.failed_while_running = true;
                }
                self.shared.set_state(PluginState::Error);
                Err(e)
            }
        }
    }

    async fn stop(&mut self) -> Result<(), PluginError> {
        if self.state() != PluginState::Running {
            return Ok(());
        }
        self.shared.set_state(PluginState::Stopping);
        let stopped = self.lifecycle(Phase::Stop, "stop", None).await;
        // A stopped plugin's scheduled tasks end with it.
        self.scheduler.remove_plugin(&self.shared.manifest.id);
        // A stopped plugin has nothing in flight.
        ext::fetch::ops::cancel_in_flight(&self.js.op_state().borrow());
        ext::host_api::ops::cancel_in_flight(&self.js.op_state().borrow()); // HOSTAPI
        match stopped {
            Ok(_) => {
                self.shared.set_state(PluginState::Stopped);
                Ok(())
            }
            Err(e) => {
                self.shared.set_state(PluginState::Error);
                Err(e)
            }
        }
    }

    async fn health_check(&mut self) -> Result<bool, PluginError> {
        match self.state() {
            PluginState::Initialized | PluginState::Running => {}
            _ => return Err(self.invalid("health-check")),
        }
        let r = self
            .invoke(
                Phase::HealthCheck,
                self.timeout,
                Invoke::Lifecycle {
                    step: "healthCheck",
                    config: None,
                },
            )
            .await?;
        Ok(r == serde_json::Value::Bool(true))
    }

    /// Runs a scheduled task's callback. Failures are logged and counted.
    async fn run_task(&mut self, id: u32, once: bool) {
        if !matches!(
            self.state(),
            PluginState::Initialized | PluginState::Running
        ) {
            return;
        }
        let timeout = self.timeout;
        if let Err(e) = self
            .invoke(Phase::Task(id), timeout, Invoke::Task { id, once })
            .await
        {
            self.shared.counters.error(crate::counters::Failed::Task);
            self.shared.logs.push(LogLevel::Error, &e.to_string());
        }
    }

    /// Runs the plugin's handlers for an event. Failures are logged, never returned: an
    /// emitter does not wait for (or hear about) its subscribers.
    async fn deliver_event(&mut self, name: &str, payload: String, source: EventSource) {
        if !matches!(
            self.state(),
            PluginState::Initialized | PluginState::Running
        ) {
            return;
        }
        let source = match source {
            EventSource::Host => "host".to_string(),
            EventSource::Plugin(id) => id,
        };
        let timeout = self.timeout;
        let phase = Phase::Event(name.to_string());
        if let Err(e) = self
            .invoke(
                phase,
                timeout,
                Invoke::Event {
                    name,
                    payload,
                    source,
                },
            )
            .await
        {
            self.shared.counters.error(crate::counters::Failed::Event);
            self.shared.logs.push(LogLevel::Error, &e.to_string());
        }
    }

    /// Runs a lifecycle step of the default export (`initialize`, `start`, `stop`).
    async fn lifecycle(
        &mut self,
        phase: Phase,
        step: &'static str,
        config: Option<String>,
    ) -> Result<(), PluginError> {
        let timeout = self.timeout;
        self.invoke(phase, timeout, Invoke::Lifecycle { step, config })
            .await
            .map(|_| ())
    }

    async fn call(
        &mut self,
        name: &str,
        args: Vec<serde_json::Value>,
        timeout: Duration,
    ) -> Result<serde_json::Value, PluginError> {
        match self.state() {
            PluginState::Initialized | PluginState::Running => {}
            _ => return Err(self.invalid("call")),
        }
        let args_json = serde_json::Value::Array(args).to_string();
        // Arguments the plugin's heap could not even hold are refused before they cross.
        if args_json.len() as u64 > self.limit.bytes() / 4 {
            return Err(PluginError::BadArgument {
                id: self.id().to_string(),
                name: name.to_string(),
                index: 0,
                reason: format!(
                    "the arguments are {} of JSON, too large for a plugin with a {} heap",
                    ByteSize(args_json.len() as u64),
                    self.limit
                ),
            });
        }
        self.invoke(
            Phase::Call(name.to_string()),
            timeout,
            Invoke::Call { name, args_json },
        )
        .await
    }

    /// Calls one of the bootstrap's host functions under the watchdog, awaits its promise
    /// while turning the event loop, and decodes the JSON text it resolves to.
    async fn invoke(
        &mut self,
        phase: Phase,
        timeout: Duration,
        what: Invoke<'_>,
    ) -> Result<serde_json::Value, PluginError> {
        let export = match &what {
            Invoke::Call { name, .. } => Some(name.to_string()),
            Invoke::Lifecycle { .. }
            | Invoke::Debug { .. }
            | Invoke::Event { .. }
            | Invoke::Task { .. }
            | Invoke::Test { .. } => None,
        };
        let value = self
            .step(phase, timeout, move |w| {
                let entry = w.host_entry()?;
                let id = w.id().to_string();
                let state = w.state();
                deno_core::scope!(scope, &mut w.js);
                let (func, args) = invoke_target(scope, entry, what, &id, state)?;
                Ok(JsRuntime::scoped_call_with_args(scope, &func, &args))
            })
            .await?;
        self.decode_reply(value, export)
    }

    /// The bootstrap's host functions, the debug agent and the entry module's namespace,
    /// as `invoke` needs them; `Gone` when the isolate has none (it is going away).
    fn host_entry(&mut self) -> Result<HostEntry, PluginError> {
        let (id, now) = (self.id().to_string(), self.state());
        let gone = || PluginError::Gone {
            id: id.clone(),
            state: now,
        };
        let ns = self.namespace.clone().ok_or_else(gone)?;
        let state = self.js.op_state();
        let state = state.borrow();
        let host = state.try_borrow::<ext::host::HostFns>().ok_or_else(gone)?;
        Ok(HostEntry {
            lifecycle: host.lifecycle.clone(),
            call_export: host.call_export.clone(),
            deliver_event: host.deliver_event.clone(),
            run_task: host.run_task.clone(),
            run_test: host.run_test.clone(),
            agent: state
                .try_borrow::<crate::debug::ops::DebugAgent>()
                .map(|a| a.request.clone()),
            ns,
        })
    }

    /// What an invoked host function resolved to: JSON text, decoded; or (from
    /// `callExport`) `{ badReturn: reason }` when the result is not JSON data.
    fn decode_reply(
        &mut self,
        value: v8::Global<v8::Value>,
        export: Option<String>,
    ) -> Result<serde_json::Value, PluginError> {
        let id = self.id().to_string();
        deno_core::scope!(scope, &mut self.js);
        let value = v8::Local::new(scope, value);
        if value.is_string() {
            let text = value.to_rust_string_lossy(scope);
            // Deep but ordinary JSON comes back (up to json::MAX_DEPTH levels).
            return crate::json::parse(&text).map_err(|e| PluginError::BadReturnValue {
                id,
                name: export.unwrap_or_default(),
                reason: e.to_string(),
            });
        }
        let reason = value
            .to_object(scope)
            .and_then(|o| {
                let key = v8::String::new(scope, "badReturn")?;
                o.get(scope, key.into())
            })
            .map(|r| r.to_rust_string_lossy(scope))
            .unwrap_or_else(|| "not JSON data".to_string());
        Err(PluginError::BadReturnValue {
            id,
            name: export.unwrap_or_default(),
            reason,
        })
    }

    /// Runs a step under a deadline: arms the watchdog, starts the step (which may run JS
    /// synchronously), drives its future together with the plugin's event loop, and turns
    /// the outcome into a typed result.
    async fn step<T, E, F>(
        &mut self,
        phase: Phase,
        timeout: Duration,
        begin: impl FnOnce(&mut Self) -> Result<F, PluginError>,
    ) -> Result<T, PluginError>
    where
        F: Future<Output = Result<T, E>>,
        CoreError: From<E>,
    {
        self.step_checked(phase, timeout, None, begin).await
    }

    /// SECURITY (issue 17): a module's evaluation as a step. The engine's evaluation
    /// future can settle `Ok` for a module whose top level threw (the error shows when its
    /// namespace is read), so the record's end and escape signal look at the module too.
    /// The step's own result is unchanged (the caller reads the namespace and fails there).
    async fn evaluate_module(
        &mut self,
        module: deno_core::ModuleId,
        timeout: Duration,
    ) -> Result<(), PluginError> {
        self.step_checked(Phase::Evaluate, timeout, Some(module), |w| {
            Ok(w.js.mod_evaluate(module))
        })
        .await
    }

    /// [`Self::step`]; with `evaluated`, a module whose namespace cannot be read after an
    /// `Ok` step is recorded as the step's failure (its uncaught error).
    async fn step_checked<T, E, F>(
        &mut self,
        phase: Phase,
        timeout: Duration,
        evaluated: Option<deno_core::ModuleId>,
        begin: impl FnOnce(&mut Self) -> Result<F, PluginError>,
    ) -> Result<T, PluginError>
    where
        F: Future<Output = Result<T, E>>,
        CoreError: From<E>,
    {
        let target = self.target.clone();
        let interrupted = target.interrupted();
        let mut interrupted = pin!(interrupted);
        // Register for wake-ups before arming, so none is missed.
        interrupted.as_mut().enable();
        // SECURITY (issue 17): each execution's start and end, with its CPU time.
        let security = reporter(&mut self.js);
        let phase_name = phase.to_string();
        security.report(
            crate::security::Decision::Allowed,
            None,
            crate::security::EventKind::ExecutionStart {
                phase: phase_name.clone(),
            },
        );
        let wall0 = Instant::now();
        let cpu0 = thread_cpu_time();
        let armed = self.watchdog.arm(&target, timeout, Some(&phase));
        let outcome = match begin(self) {
            Err(e) => Err(e),
            Ok(fut) => {
                let mut fut = pin!(fut);
                let js = &mut self.js;
                let r = poll_fn(|cx| {
                    if interrupted.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Outcome::Interrupted);
                    }
                    if let Poll::Ready(r) = fut.as_mut().poll(cx) {
                        return Poll::Ready(Outcome::Done(r.map_err(CoreError::from)));
                    }
                    match js.poll_event_loop(cx, PollEventLoopOptions::default()) {
                        Poll::Ready(Ok(())) => match fut.as_mut().poll(cx) {
                            Poll::Ready(r) => {
                                Poll::Ready(Outcome::Done(r.map_err(CoreError::from)))
                            }
                            Poll::Pending => Poll::Ready(Outcome::Stuck),
                        },
                        Poll::Ready(Err(e)) => Poll::Ready(Outcome::Done(Err(e))),
                        Poll::Pending => Poll::Pending,
                    }
                })
                .await;
                Ok(match r {
                    // Nothing can settle the promise any more: it waits for its deadline
                    // (or the host), like any other step that does not finish in time.
                    // The engine reports a stalled top-level await as an error of its own;
                    // it is the same situation.
                    Outcome::Stuck => {
                        interrupted.await;
                        Outcome::Interrupted
                    }
                    Outcome::Done(Err(e)) if is_stalled_top_level_await(&e) => {
                        interrupted.await;
                        Outcome::Interrupted
                    }
                    other => other,
                })
            }
        };
        let why = armed.finish();
        if let Some(debug) = &self.shared.debug {
            debug.step_ended();
        }
        if why.is_some() || self.js.v8_isolate().is_execution_terminating() {
            self.js.v8_isolate().cancel_terminate_execution();
        }
        if why.is_some() {
            // Work the interrupted step was waiting on is cancelled with it: requests in
            // flight, and the timers it created.
            ext::fetch::ops::cancel_in_flight(&self.js.op_state().borrow());
            ext::host_api::ops::cancel_in_flight(&self.js.op_state().borrow());
            if !matches!(why, Some(Interrupt::Memory)) {
                self.cancel_step_timers();
            }
        }
        self.record_heap(why.is_some());
        let cpu = thread_cpu_time().saturating_sub(cpu0);
        let delay = account(&self.shared, &self.governor, cpu, &security, &phase_name);
        if !delay.is_zero() {
            self.pause_until = Some(Instant::now() + delay);
        }
        let result = outcome.and_then(|outcome| self.step_result(why, outcome, phase, timeout));
        let failed_module = match (&result, evaluated) {
            (Ok(_), Some(module)) => self.js.get_module_namespace(module).err(),
            _ => None,
        };
        match failed_module {
            Some(e) => {
                let failed: Result<(), PluginError> = Err(PluginError::Exception {
                    id: self.id().to_string(),
                    phase: Phase::Evaluate,
                    exception: js_exception(e),
                });
                report_step(&security, phase_name, cpu, wall0.elapsed(), &failed);
            }
            None => report_step(&security, phase_name, cpu, wall0.elapsed(), &result),
        }
        result
    }

    /// A finished step as a typed result: the interrupt that ended it (`why`, from the
    /// watchdog) if any, else the step's own outcome. A memory interrupt also marks the
    /// isolate failed and restartable.
    fn step_result<T>(
        &mut self,
        why: Option<Interrupt>,
        outcome: Outcome<T>,
        phase: Phase,
        timeout: Duration,
    ) -> Result<T, PluginError> {
        let id = self.id().to_string();
        match why {
            Some(Interrupt::Deadline) => Err(PluginError::Timeout {
                id,
                phase,
                limit: timeout,
            }),
            // SECURITY (issue 17): a quarantine stops the step through the host's interrupt.
            Some(Interrupt::Host) => match reporter(&mut self.js).watch().quarantine_reason() {
                Some(reason) => Err(PluginError::Quarantined {
                    id,
                    phase: Some(phase),
                    reason: reason.to_string(),
                }),
                None => Err(PluginError::Terminated { id, phase }),
            },
            Some(Interrupt::Memory) => {
                let state = self.state();
                self.failed_while_running |=
                    matches!(state, PluginState::Running | PluginState::Starting);
                self.restartable = true;
                self.shared.set_state(PluginState::Error);
                let used = self.shared.heap.lock().used;
                Err(PluginError::MemoryLimitExceeded {
                    id,
                    phase,
                    limit: self.limit,
                    used,
                })
            }
            None => match outcome {
                Outcome::Done(Ok(v)) => Ok(v),
                Outcome::Done(Err(e)) => Err(PluginError::Exception {
                    id,
                    phase,
                    exception: js_exception(e),
                }),
                // An interrupt always records its reason before waking the step.
                Outcome::Stuck | Outcome::Interrupted => Err(PluginError::Timeout {
                    id,
                    phase,
                    limit: timeout,
                }),
            },
        }
    }

    /// Runs the bootstrap's `cancelStepWork` (our own code; a failure is only logged).
    fn cancel_step_timers(&mut self) {
        let f = {
            let state = self.js.op_state();
            let state = state.borrow();
            match state.try_borrow::<ext::host::HostFns>() {
                Some(h) => h.cancel_step_work.clone(),
                None => return,
            }
        };
        deno_core::scope!(scope, &mut self.js);
        v8::tc_scope!(let tc, scope);
        let f = v8::Local::new(tc, f);
        let undefined = v8::undefined(tc).into();
        if f.call(tc, undefined, &[]).is_none() {
            self.shared.logs.push(
                LogLevel::Warn,
                "could not cancel the interrupted step's timers",
            );
        }
    }

    /// Records storage use, and samples heap statistics at most every
    /// [`HEAP_SAMPLE_INTERVAL`] unless `force`d (the heap history keeps one sample per
    /// interval; on QuickJS a sample is the engine's running allocation count, on V8 a
    /// statistics call not worth making per call).
    fn record_heap(&mut self, force: bool) {
        // Storage use is a counter the store keeps: cheap, so always current.
        {
            let state = self.js.op_state();
            let state = state.borrow();
            let stored = state
                .try_borrow::<ext::storage::ops::StorageState>()
                .map(|s| s.store.usage())
                .unwrap_or(0)
                + ext::fs::files_used(&state);
            let counters = &self.shared.counters;
            counters.storage_bytes.store(stored, Ordering::Relaxed);
            counters.storage_peak.fetch_max(stored, Ordering::Relaxed);
        }
        if !force
            && self
                .heap_sampled
                .is_some_and(|t| t.elapsed() < HEAP_SAMPLE_INTERVAL)
        {
            return;
        }
        self.heap_sampled = Some(Instant::now());
        let stats = self.js.v8_isolate().get_heap_statistics();
        let used = stats.used_heap_size() as u64;
        let peak = self.peak.get().max(used);
        self.peak.set(peak);
        *self.shared.heap.lock() = HeapStats {
            used: ByteSize(used),
            peak: ByteSize(peak),
            limit: self.limit,
        };
        let mut history = self.shared.counters.heap_history.lock();
        if history.len() == crate::isolate::profile::HEAP_HISTORY {
            history.pop_front();
        }
        history.push_back((Instant::now(), used));
    }
}

/// The bootstrap's host functions an `invoke` may call (see `ext::host::HostFns`), the
/// debug agent's (when debugging) and the entry module's namespace.
struct HostEntry {
    lifecycle: v8::Global<v8::Function>,
    call_export: v8::Global<v8::Function>,
    deliver_event: v8::Global<v8::Function>,
    run_task: v8::Global<v8::Function>,
    run_test: v8::Global<v8::Function>,
    agent: Option<v8::Global<v8::Function>>,
    ns: v8::Global<v8::Object>,
}

/// The host function `what` runs and its arguments, made in the plugin's isolate.
/// `NoSuchExport` for a call of something the module does not export as a function;
/// `BadArgument` for text too large for the engine.
fn invoke_target(
    scope: &mut v8::PinScope,
    entry: HostEntry,
    what: Invoke<'_>,
    id: &str,
    state: PluginState,
) -> Result<(v8::Global<v8::Function>, Vec<v8::Global<v8::Value>>), PluginError> {
    let ns = v8::Local::new(scope, entry.ns);
    let target = match what {
        Invoke::Test { index } => {
            let i: v8::Local<v8::Value> = v8::Integer::new(scope, index).into();
            (entry.run_test, vec![v8::Global::new(scope, i)])
        }
        Invoke::Debug { request_json } => {
            let Some(agent) = entry.agent else {
                return Err(PluginError::Gone {
                    id: id.to_string(),
                    state,
                });
            };
            let Some(text) = v8::String::new(scope, &request_json) else {
                return Err(PluginError::BadArgument {
                    id: id.to_string(),
                    name: "debugger request".into(),
                    index: 0,
                    reason: "too large".into(),
                });
            };
            let text: v8::Local<v8::Value> = text.into();
            (agent, vec![v8::Global::new(scope, text)])
        }
        Invoke::Task { id, once } => {
            let id: v8::Local<v8::Value> = v8::Integer::new_from_unsigned(scope, id).into();
            let once: v8::Local<v8::Value> = v8::Boolean::new(scope, once).into();
            (
                entry.run_task,
                vec![v8::Global::new(scope, id), v8::Global::new(scope, once)],
            )
        }
        Invoke::Event {
            name,
            payload,
            source,
        } => {
            let mut args = Vec::with_capacity(3);
            for text in [name, payload.as_str(), source.as_str()] {
                let Some(s) = v8::String::new(scope, text) else {
                    return Err(PluginError::BadArgument {
                        id: id.to_string(),
                        name: format!("event {name}"),
                        index: 0,
                        reason: "too large".into(),
                    });
                };
                let s: v8::Local<v8::Value> = s.into();
                args.push(v8::Global::new(scope, s));
            }
            (entry.deliver_event, args)
        }
        Invoke::Lifecycle { step, config } => {
            let step: v8::Local<v8::Value> = v8::String::new(scope, step).unwrap().into();
            let cfg: v8::Local<v8::Value> = match config.and_then(|c| v8::String::new(scope, &c)) {
                Some(c) => c.into(),
                None => v8::undefined(scope).into(),
            };
            let ns: v8::Local<v8::Value> = ns.into();
            (
                entry.lifecycle,
                vec![
                    v8::Global::new(scope, step),
                    v8::Global::new(scope, ns),
                    v8::Global::new(scope, cfg),
                ],
            )
        }
        Invoke::Call { name, args_json } => {
            let key = v8::String::new(scope, name).ok_or_else(|| PluginError::NoSuchExport {
                id: id.to_string(),
                name: name.to_string(),
            })?;
            let f = ns
                .get(scope, key.into())
                .filter(|f| f.is_function() && name != "then")
                .ok_or_else(|| PluginError::NoSuchExport {
                    id: id.to_string(),
                    name: name.to_string(),
                })?;
            let args =
                v8::String::new(scope, &args_json).ok_or_else(|| PluginError::BadArgument {
                    id: id.to_string(),
                    name: name.to_string(),
                    index: 0,
                    reason: format!(
                        "the arguments ({} bytes of JSON) are too large",
                        args_json.len()
                    ),
                })?;
            let args: v8::Local<v8::Value> = args.into();
            (
                entry.call_export,
                vec![v8::Global::new(scope, f), v8::Global::new(scope, args)],
            )
        }
    };
    Ok(target)
}

fn js_exception(e: CoreError) -> JsException {
    match *e.0 {
        CoreErrorKind::Js(js) => from_js_error(&js),
        other => JsException {
            message: other.to_string(),
            stack: other.to_string(),
        },
    }
}

fn from_js_error(js: &JsError) -> JsException {
    let message = js.exception_message.as_str();
    let message = message
        .strip_prefix("Uncaught (in promise) ")
        .or_else(|| message.strip_prefix("Uncaught "))
        .unwrap_or(message);
    // Frames inside Qirvo's own bootstrap are noise to a plugin author.
    let stack = js
        .to_string()
        .lines()
        .filter(|l| !l.contains("(ext:") && !l.trim_start().starts_with("at ext:"))
        .collect::<Vec<_>>()
        .join("\n");
    JsException {
        message: message.to_string(),
        stack,
    }
}

/// Both engines raise this when module evaluation waits on a top-level await that
/// nothing can settle any more.
fn is_stalled_top_level_await(e: &CoreError) -> bool {
    matches!(&*e.0, CoreErrorKind::Js(js) if js.exception_message.contains("Top-level await promise never resolved"))
}

fn core_error_message(e: CoreError) -> String {
    match *e.0 {
        CoreErrorKind::Js(js) => js.to_string(),
        other => other.to_string(),
    }
}

/// The test hook behind `PluginRuntime::enable_test_block_native`: a global
/// `__qirvoTestBlockNative(ms)` that blocks the plugin thread in Rust, where no engine
/// interrupt reaches it (`Infinity` or more than a day: for good).
fn install_test_block_native(scope: &mut v8::PinScope) {
    fn block(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, _rv: v8::ReturnValue) {
        let ms = args.get(0).number_value(scope).unwrap_or(0.0);
        if !(ms < 86_400_000.0) {
            loop {
                std::thread::park();
            }
        }
        if ms > 0.0 {
            std::thread::sleep(Duration::from_millis(ms as u64));
        }
    }
    let context = scope.get_current_context();
    let global = context.global(scope);
    if let (Some(f), Some(key)) = (
        v8::Function::new(scope, block),
        v8::String::new(scope, "__qirvoTestBlockNative"),
    ) {
        global.set(scope, key.into(), f.into());
    }
}

impl Worker {
    /// The entry module's exports, read from its namespace without running plugin code:
    /// a namespace's values are its bindings (no getters), and a function's `length` is
    /// read only when it is an own data property of a function that is not a proxy.
    fn read_exports(&mut self, ns: &v8::Global<v8::Object>) -> Vec<crate::state::ExportInfo> {
        deno_core::scope!(scope, &mut self.js);
        v8::tc_scope!(let tc, scope);
        let ns = v8::Local::new(tc, ns);
        let mut out = Vec::new();
        let Some(names) = ns.get_own_property_names(tc, Default::default()) else {
            return out;
        };
        for i in 0..names.length() {
            let Some(key) = names.get_index(tc, i) else {
                continue;
            };
            let name = key.to_rust_string_lossy(tc);
            // An uninitialised binding (TDZ) throws; it is then not callable either.
            let value = ns.get(tc, key);
            tc.reset();
            let Some(value) = value else {
                out.push(crate::state::ExportInfo {
                    name,
                    function: false,
                    params: None,
                });
                continue;
            };
            let function = value.is_function() && !value.is_proxy();
            let mut params = None;
            if function
                && let Ok(f) = v8::Local::<v8::Object>::try_from(value)
                && let Some(length) = v8::String::new(tc, "length")
            {
                let descriptor = f.get_own_property_descriptor(tc, length.into());
                tc.reset();
                if let Some(d) = descriptor.and_then(|d| v8::Local::<v8::Object>::try_from(d).ok())
                    && let Some(value_key) = v8::String::new(tc, "value")
                    && let Some(v) = d.get(tc, value_key.into())
                    && v.is_uint32()
                {
                    params = v.uint32_value(tc);
                }
                tc.reset();
            }
            out.push(crate::state::ExportInfo {
                name,
                function,
                params,
            });
        }
        out
    }
}

// SECURITY (issue 17): the plugin thread's reports (execution start and end, limits).

/// The plugin's reporter (in its op state since `bind`); an inert one before.
fn reporter(js: &mut JsRuntime) -> crate::security::Reporter {
    js.op_state()
        .borrow()
        .try_borrow::<crate::security::Reporter>()
        .cloned()
        .unwrap_or_else(crate::security::Reporter::inert)
}

/// Reports how a step ended: a limit it hit (timeout, memory, the host, an uncaught stack
/// overflow), then its end with its CPU and wall time.
fn report_step<T>(
    security: &crate::security::Reporter,
    phase: String,
    cpu: Duration,
    wall: Duration,
    result: &Result<T, PluginError>,
) {
    use crate::security::{Decision, EventKind, Limit};
    let limit = match result {
        Ok(_) => None,
        Err(PluginError::Timeout { limit, .. }) => Some((
            Limit::Timeout,
            Decision::Killed,
            "resources.timeout",
            format!(
                "ran past its {} deadline",
                crate::error::fmt_duration(*limit)
            ),
        )),
        Err(PluginError::MemoryLimitExceeded { limit, used, .. }) => Some((
            Limit::Memory,
            Decision::Killed,
            "resources.memory",
            format!("heap at {used} over its limit of {limit}"),
        )),
        Err(PluginError::Terminated { .. }) => Some((
            Limit::Terminated,
            Decision::Killed,
            "host",
            "terminated by the host".to_string(),
        )),
        Err(PluginError::Quarantined { reason, .. }) => Some((
            Limit::Terminated,
            Decision::Killed,
            "quarantine",
            format!("stopped by its quarantine: {reason}"),
        )),
        Err(e @ PluginError::Exception { exception, .. }) => {
            let text = e.to_string();
            // SECURITY (issue 17): an uncaught error touching a removed global or
            // assigning the frozen `qirvo` is an escape signal.
            if let Some((target, detail)) = crate::security::escape_in_error(&exception.message) {
                security.escape(target, &format!("{detail} in {phase}"));
            }
            (text.contains("stack overflow") || text.contains("Maximum call stack size")).then(
                || {
                    (
                        Limit::StackOverflow,
                        Decision::Observed,
                        "stack",
                        "the JavaScript stack ran out (uncaught)".to_string(),
                    )
                },
            )
        }
        Err(_) => None,
    };
    let outcome = match result {
        Ok(_) => "ok",
        Err(PluginError::Timeout { .. }) => "timeout",
        Err(PluginError::MemoryLimitExceeded { .. }) => "memory",
        Err(PluginError::Terminated { .. }) => "terminated",
        Err(PluginError::Quarantined { .. }) => "quarantined",
        Err(_) => "error",
    };
    if let Some((limit, decision, rule, detail)) = limit {
        security.report(
            decision,
            Some(rule),
            EventKind::Limit {
                limit,
                phase: phase.clone(),
                detail,
            },
        );
    }
    security.report(
        Decision::Allowed,
        None,
        EventKind::ExecutionEnd {
            phase,
            cpu_us: crate::security::micros(cpu),
            wall_us: crate::security::micros(wall),
            outcome: outcome.to_string(),
        },
    );
}
