//! The task scheduler: plugins schedule work through `qirvo.scheduler` (`every`, `cron`,
//! `at`); the host schedules runtime-level jobs (the health pass is one) on the same
//! scheduler and lists every task with its next run.
//!
//! A plugin's task runs as a step in its isolate, bounded by the plugin's timeout. A run
//! that is still going when the next is due is skipped and counted. A plugin's tasks end
//! when it stops, fails or unloads.
//!
//! In a fleet (a [`SlotClaims`] attached, e.g. the PostgreSQL store), each due time of a
//! plugin's task is a slot that one replica claims before running it; `every` intervals
//! are then counted from the epoch, so every replica agrees on the slots. A task's
//! identity across replicas is its owner and its name when the plugin gave one
//! (`{ name: "sweep" }`, unique among the plugin's tasks), else its kind and spec and
//! which of the plugin's unnamed tasks with the same kind and spec it is (the first,
//! second, ...), so a plugin that schedules the same tasks in the same order names them
//! the same everywhere. A default identity always holds a space and a given name never
//! does, so the two cannot meet.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::ext::Inbox;

/// Most tasks one plugin may have scheduled at once.
pub const MAX_PLUGIN_TASKS: usize = 1_000;

/// Shortest interval `every` accepts.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// Longest interval `every` accepts: 365 days.
pub const MAX_INTERVAL: Duration = Duration::from_secs(365 * 86_400);

/// Claims a due time ("slot") of a task for this replica, so that one replica of a fleet
/// runs it. Implemented by the PostgreSQL fleet store; another engine implements the same
/// call.
pub(crate) trait SlotClaims: Send + Sync {
    /// `Ok(true)` if this replica won `slot` (milliseconds since the epoch) of `task`
    /// owned by `owner`; `Ok(false)` if another did; `Err` if the claim could not be made
    /// (the run is then skipped: at most once, never twice).
    fn claim(
        self: Arc<Self>,
        owner: &str,
        task: &str,
        slot: i64,
    ) -> Pin<Box<dyn Future<Output = Result<bool, String>> + Send>>;
}

/// Why a plugin's task was not scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The plugin has [`MAX_PLUGIN_TASKS`] already.
    TooMany,
    /// The plugin has a task of that name already.
    Duplicate,
}

/// When a task runs.
#[derive(Clone)]
pub enum Schedule {
    /// Every interval, starting one interval from now.
    Every(Duration),
    /// A cron expression with seconds (`"0 */5 * * * *"`), in UTC.
    Cron(Box<cron::Schedule>),
    /// Once, at this time.
    At(SystemTime),
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Schedule {
    /// Parses `every` intervals: `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"`; from 10 ms
    /// ([`MIN_INTERVAL`]) to 365 days ([`MAX_INTERVAL`]).
    pub fn every(text: &str) -> Result<Schedule, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("{text:?} is not an interval (e.g. \"30s\")"))?;
        let secs = match unit.trim() {
            "ms" => n / 1000.0,
            "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            "d" => n * 86400.0,
            _ => {
                return Err(format!(
                    "{text:?} is not an interval (e.g. \"500ms\", \"30s\", \"5m\", \"1h\")"
                ));
            }
        };
        if !(secs.is_finite() && secs <= MAX_INTERVAL.as_secs_f64()) {
            return Err(format!(
                "{text:?} is longer than the {}-day maximum",
                MAX_INTERVAL.as_secs() / 86_400
            ));
        }
        let d = Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("{text:?} is not an interval"))?;
        if d < MIN_INTERVAL {
            return Err(format!(
                "{text:?} is shorter than the {} ms minimum",
                MIN_INTERVAL.as_millis()
            ));
        }
        Ok(Schedule::Every(d))
    }

    /// Parses a cron expression (six fields, seconds first, or seven with years).
    pub fn cron(expr: &str) -> Result<Schedule, String> {
        cron::Schedule::from_str(expr)
            .map(|s| Schedule::Cron(Box::new(s)))
            .map_err(|e| format!("{expr:?} is not a cron expression (e.g. \"0 */5 * * * *\"): {e}"))
    }

    fn first(&self, now: SystemTime, aligned: bool) -> Option<SystemTime> {
        match self {
            Schedule::Every(d) if aligned => next_multiple(*d, now),
            // Checked: a time past what the system can represent never comes.
            Schedule::Every(d) => now.checked_add(*d),
            Schedule::Cron(c) => next_cron(c, now),
            Schedule::At(t) => Some(*t),
        }
    }

    fn after_run(&self, due: SystemTime, now: SystemTime, aligned: bool) -> Option<SystemTime> {
        match self {
            Schedule::Every(d) if aligned => next_multiple(*d, now.max(due)),
            Schedule::Every(d) => {
                let next = due.checked_add(*d)?;
                // Behind (the process was busy or asleep): continue from now.
                if next <= now {
                    now.checked_add(*d)
                } else {
                    Some(next)
                }
            }
            Schedule::Cron(c) => next_cron(c, now),
            Schedule::At(_) => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Schedule::Every(d) => format!("every {} ms", d.as_millis()),
            Schedule::Cron(c) => format!("cron {c}"),
            Schedule::At(t) => {
                let ms = t
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                format!("at {ms} ms since the epoch")
            }
        }
    }
}

/// The first whole multiple of `d` since the epoch after `now` (a fleet's shared slots).
fn next_multiple(d: Duration, now: SystemTime) -> Option<SystemTime> {
    let step = d.as_millis().max(1);
    let now = now.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_millis();
    let next = (now / step).checked_add(1)?.checked_mul(step)?;
    let next = u64::try_from(next).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(next))
}

/// A due time as a slot number: milliseconds since the epoch.
fn slot_of(due: SystemTime) -> i64 {
    due.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}

fn next_cron(c: &cron::Schedule, now: SystemTime) -> Option<SystemTime> {
    let now: chrono::DateTime<chrono::Utc> = now.into();
    c.after(&now).next().map(SystemTime::from)
}

/// Who owns a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOwner {
    Host,
    Plugin(String),
}

/// A scheduled task, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub id: u32,
    pub owner: TaskOwner,
    /// A host job's name; a plugin task's `name` option, or its kind and spec
    /// (`"every 30s"`) when it has none.
    pub name: String,
    pub schedule: String,
    /// `None` once a one-off task has run.
    pub next_run: Option<SystemTime>,
    pub runs: u64,
    /// Runs skipped because the previous one was still going.
    pub skipped: u64,
    /// In a fleet: due times another replica claimed (and so ran), or that could not be
    /// claimed because the database was unreachable.
    pub elsewhere: u64,
    pub running: bool,
}

type HostJob = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A plugin's task is due: run it on the plugin's thread (`qirvo.scheduler`); `running`
/// is cleared when the run ends.
pub(crate) struct TaskRun {
    pub id: u32,
    /// A one-off task: it is gone once this run ends.
    pub once: bool,
    pub running: Arc<AtomicBool>,
}

enum Action {
    Plugin(Arc<dyn Inbox>),
    Host(HostJob),
}

struct Task {
    owner: TaskOwner,
    name: String,
    /// The identity claims use: a given name as it is, or the default name and its
    /// ordinal among the owner's unnamed tasks of that name (`"every 1s #2"`).
    key: String,
    elsewhere: u64,
    schedule: Schedule,
    next: Option<SystemTime>,
    runs: u64,
    skipped: u64,
    running: Arc<AtomicBool>,
    action: Action,
}

/// The runtime's scheduler, from [`PluginRuntime::scheduler`](crate::PluginRuntime::scheduler).
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    claims: OnceLock<Arc<dyn SlotClaims>>,
    tasks: Mutex<BTreeMap<u32, Task>>,
    changed: Notify,
    next_id: AtomicU32,
}

impl Scheduler {
    pub(crate) fn new() -> Scheduler {
        Scheduler {
            inner: Arc::new(Inner {
                claims: OnceLock::new(),
                tasks: Mutex::new(BTreeMap::new()),
                changed: Notify::new(),
                next_id: AtomicU32::new(1),
            }),
        }
    }

    /// Makes plugin tasks run once per due time across a fleet (once; later calls are
    /// ignored). Call before plugins schedule tasks.
    pub(crate) fn attach(&self, claims: Arc<dyn SlotClaims>) {
        let _ = self.inner.claims.set(claims);
    }

    /// Adds a task; `key` is its given identity (a plugin task's `name`), else one is
    /// derived from `name` and its ordinal.
    fn add(
        &self,
        owner: TaskOwner,
        name: String,
        key: Option<String>,
        schedule: Schedule,
        action: Action,
    ) -> u32 {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let aligned = self.aligned(&action);
        let next = schedule.first(SystemTime::now(), aligned);
        let mut tasks = self.inner.tasks.lock();
        let key = key.unwrap_or_else(|| {
            let ordinal = tasks
                .values()
                .filter(|t| t.owner == owner && t.name == name)
                .count();
            format!("{name} #{}", ordinal + 1)
        });
        tasks.insert(
            id,
            Task {
                owner,
                name,
                key,
                elsewhere: 0,
                schedule,
                next,
                runs: 0,
                skipped: 0,
                running: Arc::new(AtomicBool::new(false)),
                action,
            },
        );
        drop(tasks);
        self.inner.changed.notify_one();
        id
    }

    /// Whether a task's runs are claimed across a fleet (plugin tasks, with claims).
    fn aligned(&self, action: &Action) -> bool {
        matches!(action, Action::Plugin(_)) && self.inner.claims.get().is_some()
    }

    /// Schedules a host job. Each run is awaited before the next may start; a run still
    /// going when the next is due is skipped.
    pub fn schedule<F, Fut>(&self, name: &str, schedule: Schedule, job: F) -> u32
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let job: HostJob = Arc::new(move || Box::pin(job()));
        self.add(
            TaskOwner::Host,
            name.to_string(),
            None,
            schedule,
            Action::Host(job),
        )
    }

    /// Schedules a plugin's task: `named` is the name it gave (its identity across a
    /// fleet, unique among its tasks), else `default` (kind and spec) names it.
    pub(crate) fn schedule_plugin(
        &self,
        plugin: &str,
        default: String,
        named: Option<String>,
        schedule: Schedule,
        tx: Arc<dyn Inbox>,
    ) -> Result<u32, Refused> {
        let owner = TaskOwner::Plugin(plugin.to_string());
        {
            // A plugin's tasks are added from its own thread only, so nothing else adds
            // one of its tasks between this check and the insert.
            let tasks = self.inner.tasks.lock();
            let mut count = 0;
            for t in tasks.values().filter(|t| t.owner == owner) {
                count += 1;
                if named.as_ref().is_some_and(|n| *n == t.key) {
                    return Err(Refused::Duplicate);
                }
            }
            if count >= MAX_PLUGIN_TASKS {
                return Err(Refused::TooMany);
            }
        }
        let name = named.clone().unwrap_or(default);
        Ok(self.add(owner, name, named, schedule, Action::Plugin(tx)))
    }

    /// Cancels a task; returns whether it existed.
    pub fn cancel(&self, id: u32) -> bool {
        self.inner.tasks.lock().remove(&id).is_some()
    }

    /// Cancels a plugin's own task (a plugin cannot cancel others').
    pub(crate) fn cancel_owned(&self, plugin: &str, id: u32) -> bool {
        let mut tasks = self.inner.tasks.lock();
        if tasks
            .get(&id)
            .is_some_and(|t| t.owner == TaskOwner::Plugin(plugin.to_string()))
        {
            tasks.remove(&id);
            return true;
        }
        false
    }

    /// Ends every task of a plugin.
    pub(crate) fn remove_plugin(&self, plugin: &str) {
        let owner = TaskOwner::Plugin(plugin.to_string());
        self.inner.tasks.lock().retain(|_, t| t.owner != owner);
    }

    /// Every task with its next run.
    pub fn list(&self) -> Vec<TaskInfo> {
        self.inner
            .tasks
            .lock()
            .iter()
            .map(|(id, t)| TaskInfo {
                id: *id,
                owner: t.owner.clone(),
                name: t.name.clone(),
                schedule: t.schedule.describe(),
                next_run: t.next,
                runs: t.runs,
                skipped: t.skipped,
                elsewhere: t.elsewhere,
                running: t.running.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Runs due tasks until `stop` is notified.
    pub(crate) async fn run(self, stop: Arc<Notify>) {
        loop {
            let now = SystemTime::now();
            let next = self.fire_due(now);
            let sleep = match next {
                Some(t) => t.duration_since(SystemTime::now()).unwrap_or_default(),
                None => Duration::from_secs(3600),
            };
            tokio::select! {
                _ = stop.notified() => return,
                _ = self.inner.changed.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Starts every task that is due; returns the earliest next run.
    fn fire_due(&self, now: SystemTime) -> Option<SystemTime> {
        let mut tasks = self.inner.tasks.lock();
        let mut finished = Vec::new();
        for (id, task) in tasks.iter_mut() {
            let Some(due) = task.next else { continue };
            if due > now {
                continue;
            }
            let aligned = self.aligned(&task.action);
            task.next = task.schedule.after_run(due, now, aligned);
            if task.running.load(Ordering::Acquire) {
                task.skipped += 1;
                tracing::debug!(target: "qirvo::scheduler", task = %task.name, "skipped: the previous run is still going");
            } else {
                task.runs += 1;
                task.running.store(true, Ordering::Release);
                let running = task.running.clone();
                let once = task.next.is_none();
                match &task.action {
                    Action::Plugin(tx) if aligned => {
                        // Claimed first: the run is posted only by the replica that won.
                        let Some(claims) = self.inner.claims.get().cloned() else {
                            continue;
                        };
                        let TaskOwner::Plugin(plugin) = &task.owner else {
                            continue;
                        };
                        task.runs -= 1;
                        let claim = claims.claim(plugin, &task.key, slot_of(due));
                        let run = TaskRun {
                            id: *id,
                            once,
                            running: running.clone(),
                        };
                        let (tx, inner, id) = (tx.clone(), self.inner.clone(), *id);
                        tokio::spawn(async move {
                            let won = match claim.await {
                                Ok(won) => won,
                                Err(e) => {
                                    tracing::warn!(target: "qirvo::scheduler", error = %e, "a run was not claimed: skipped");
                                    false
                                }
                            };
                            let mut tasks = inner.tasks.lock();
                            let Some(task) = tasks.get_mut(&id) else {
                                return;
                            };
                            if won {
                                task.runs += 1;
                                if tx.post_task(run) {
                                    return;
                                }
                                tasks.remove(&id);
                            } else {
                                task.elsewhere += 1;
                                running.store(false, Ordering::Release);
                                if once {
                                    tasks.remove(&id);
                                }
                            }
                        });
                    }
                    Action::Plugin(tx) => {
                        let sent = tx.post_task(TaskRun {
                            id: *id,
                            once,
                            running: running.clone(),
                        });
                        if !sent {
                            // The plugin is gone.
                            finished.push(*id);
                            continue;
                        }
                    }
                    Action::Host(job) => {
                        let job = job.clone();
                        tokio::spawn(async move {
                            job().await;
                            running.store(false, Ordering::Release);
                        });
                    }
                }
            }
            // A one-off host job is done once started; a one-off plugin task stays listed
            // until its run ends (the plugin thread calls `finished`).
            if task.next.is_none() && matches!(task.action, Action::Host(_)) {
                finished.push(*id);
            }
        }
        for id in finished {
            tasks.remove(&id);
        }
        tasks.values().filter_map(|t| t.next).min()
    }

    /// Called by a plugin thread when a one-off task has run.
    pub(crate) fn finished(&self, id: u32) {
        let mut tasks = self.inner.tasks.lock();
        if tasks.get(&id).is_some_and(|t| t.next.is_none()) {
            tasks.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_schedules() {
        assert!(
            matches!(Schedule::every("30s"), Ok(Schedule::Every(d)) if d == Duration::from_secs(30))
        );
        assert!(
            matches!(Schedule::every("250ms"), Ok(Schedule::Every(d)) if d == Duration::from_millis(250))
        );
        assert!(Schedule::every("1ms").is_err());
        assert!(Schedule::every("soon").is_err());
        assert!(Schedule::cron("0 */5 * * * *").is_ok());
        assert!(Schedule::cron("every tuesday").is_err());
        let now = SystemTime::now();
        let c = Schedule::cron("* * * * * *").unwrap();
        let next = c.first(now, false).unwrap();
        assert!(next > now && next <= now + Duration::from_secs(1));
    }
}
