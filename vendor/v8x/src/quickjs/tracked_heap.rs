//! Per-isolate tracking allocator for the QuickJS runtime.
//!
//! Every block the QuickJS runtime of an isolate obtains from its backing
//! allocator (the 4 KiB small-object arenas, large blocks, and the
//! `JSRuntime` struct itself) is linked into an intrusive doubly linked list
//! owned by that isolate. When the isolate is disposed, whatever is still on
//! the list after `JS_FreeRuntime` (objects kept alive by a reference count
//! that was never released: held template/dispatch values, cycles through
//! native state, ...) is unreachable by construction and is returned to the
//! system allocator. This bounds the memory an isolate can leak to zero,
//! independently of individual refcount bugs.
//!
//! Safety contract: after `TrackedHeap::release_all` nothing may touch memory
//! that belonged to the runtime. In v8x that holds because
//! - `Global`/`Weak` handles whose isolate is gone are not reset (rusty_v8's
//!   `Drop for Global` checks the isolate liveness), and the persistent cells
//!   themselves are freed by `v8__Isolate__Dispose` before `JS_FreeRuntime`;
//! - backing stores that alias runtime memory are detached into malloc'd
//!   copies (`release_backing_stores_for_runtime`) before `JS_FreeRuntime`;
//! - values dup'd into thread-local tables keyed by the runtime are released
//!   before `JS_FreeRuntime` (`release_runtime_template_values`,
//!   `release_promise_hooks`, `codegen_release_ctx`) and never touched again.

use super::quickjs_sys::JSRuntime;
use std::os::raw::c_void;
use std::ptr;
use std::sync::Mutex;

unsafe extern "C" {
  fn malloc(size: usize) -> *mut c_void;
  fn calloc(count: usize, size: usize) -> *mut c_void;
  fn realloc(p: *mut c_void, size: usize) -> *mut c_void;
  fn free(p: *mut c_void);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe extern "C" {
  fn malloc_usable_size(p: *mut c_void) -> usize;
}

#[repr(C)]
pub(crate) struct JSMallocFunctions {
  pub js_calloc: unsafe extern "C" fn(*mut c_void, usize, usize) -> *mut c_void,
  pub js_malloc: unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
  pub js_free: unsafe extern "C" fn(*mut c_void, *mut c_void),
  pub js_realloc:
    unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> *mut c_void,
  pub js_malloc_usable_size: unsafe extern "C" fn(*const c_void) -> usize,
}

unsafe extern "C" {
  fn JS_NewRuntime2(
    mf: *const JSMallocFunctions,
    opaque: *mut c_void,
  ) -> *mut JSRuntime;
}

/// Header in front of every tracked block. 32 bytes, so a 16-byte aligned
/// malloc result stays 16-byte aligned for QuickJS.
#[repr(C, align(16))]
struct BlockHeader {
  prev: *mut BlockHeader,
  next: *mut BlockHeader,
  /// Requested size (what the caller may use when malloc_usable_size is
  /// unavailable).
  size: usize,
  magic: usize,
}

const HDR: usize = std::mem::size_of::<BlockHeader>();
const MAGIC_LIVE: usize = 0x7e57_ab1e_b10c_0001;
const MAGIC_DEAD: usize = 0xdead_b10c_dead_0002;

struct List {
  /// Sentinel of the circular list.
  head: BlockHeader,
  blocks: usize,
  bytes: usize,
}

pub(crate) struct TrackedHeap {
  // QuickJS calls its allocator from whichever thread currently owns the
  // isolate; a (practically uncontended) lock keeps the list consistent even
  // if that ever overlaps with another thread (e.g. a terminate request).
  list: Mutex<List>,
}

// SAFETY: all access to the raw pointers goes through the mutex.
unsafe impl Send for TrackedHeap {}
unsafe impl Sync for TrackedHeap {}

impl TrackedHeap {
  fn new() -> Box<TrackedHeap> {
    let heap = Box::new(TrackedHeap {
      list: Mutex::new(List {
        head: BlockHeader {
          prev: ptr::null_mut(),
          next: ptr::null_mut(),
          size: 0,
          magic: 0,
        },
        blocks: 0,
        bytes: 0,
      }),
    });
    {
      let mut l = heap.list.lock().unwrap();
      let h: *mut BlockHeader = &mut l.head;
      l.head.prev = h;
      l.head.next = h;
    }
    heap
  }

  fn lock(&self) -> std::sync::MutexGuard<'_, List> {
    self.list.lock().unwrap_or_else(|p| p.into_inner())
  }

  /// Sorted address ranges of the blocks still on the list.
  fn live_ranges(&self) -> Vec<(usize, usize)> {
    let mut l = self.lock();
    let head: *mut BlockHeader = &mut l.head;
    let mut v = Vec::with_capacity(l.blocks);
    let mut cur = l.head.next;
    while cur != head {
      let start = cur as usize;
      v.push((start, start + HDR + unsafe { (*cur).size }));
      cur = unsafe { (*cur).next };
    }
    v.sort_unstable();
    v
  }

  /// Frees every block still on the list. Returns (blocks, bytes) freed.
  unsafe fn release_all(&self) -> (usize, usize) {
    let mut l = self.lock();
    let head: *mut BlockHeader = &mut l.head;
    let (blocks, bytes) = (l.blocks, l.bytes);
    let mut cur = l.head.next;
    while cur != head {
      let next = unsafe { (*cur).next };
      unsafe {
        (*cur).magic = MAGIC_DEAD;
        free(cur as *mut c_void);
      }
      cur = next;
    }
    l.head.prev = head;
    l.head.next = head;
    l.blocks = 0;
    l.bytes = 0;
    (blocks, bytes)
  }
}

#[inline]
unsafe fn link(heap: *mut c_void, b: *mut BlockHeader, size: usize) -> *mut c_void {
  let heap = unsafe { &*(heap as *const TrackedHeap) };
  let mut l = heap.lock();
  let head: *mut BlockHeader = &mut l.head;
  unsafe {
    (*b).size = size;
    (*b).magic = MAGIC_LIVE;
    (*b).prev = head;
    (*b).next = l.head.next;
    (*l.head.next).prev = b;
  }
  l.head.next = b;
  l.blocks += 1;
  l.bytes += size;
  unsafe { (b as *mut u8).add(HDR) as *mut c_void }
}

#[inline]
unsafe fn unlink(l: &mut List, b: *mut BlockHeader) {
  unsafe {
    debug_assert_eq!((*b).magic, MAGIC_LIVE);
    (*(*b).prev).next = (*b).next;
    (*(*b).next).prev = (*b).prev;
  }
  l.blocks -= 1;
  l.bytes -= unsafe { (*b).size };
}

#[inline]
fn header_of(p: *mut c_void) -> *mut BlockHeader {
  unsafe { (p as *mut u8).sub(HDR) as *mut BlockHeader }
}

unsafe extern "C" fn th_malloc(heap: *mut c_void, size: usize) -> *mut c_void {
  let Some(total) = size.checked_add(HDR) else {
    return ptr::null_mut();
  };
  let b = unsafe { malloc(total) } as *mut BlockHeader;
  if b.is_null() {
    return ptr::null_mut();
  }
  unsafe { link(heap, b, size) }
}

unsafe extern "C" fn th_calloc(
  heap: *mut c_void,
  count: usize,
  size: usize,
) -> *mut c_void {
  let Some(n) = count.checked_mul(size) else {
    return ptr::null_mut();
  };
  let Some(total) = n.checked_add(HDR) else {
    return ptr::null_mut();
  };
  let b = unsafe { calloc(1, total) } as *mut BlockHeader;
  if b.is_null() {
    return ptr::null_mut();
  }
  unsafe { link(heap, b, n) }
}

unsafe extern "C" fn th_free(heap: *mut c_void, p: *mut c_void) {
  if p.is_null() {
    return;
  }
  let b = header_of(p);
  {
    let heap = unsafe { &*(heap as *const TrackedHeap) };
    let mut l = heap.lock();
    unsafe { unlink(&mut l, b) };
  }
  unsafe {
    (*b).magic = MAGIC_DEAD;
    free(b as *mut c_void);
  }
}

unsafe extern "C" fn th_realloc(
  heap: *mut c_void,
  p: *mut c_void,
  size: usize,
) -> *mut c_void {
  if p.is_null() {
    return unsafe { th_malloc(heap, size) };
  }
  let Some(total) = size.checked_add(HDR) else {
    return ptr::null_mut();
  };
  let b = header_of(p);
  let h = unsafe { &*(heap as *const TrackedHeap) };
  // Hold the lock across realloc: the block's neighbours point at it.
  let mut l = h.lock();
  unsafe { unlink(&mut l, b) };
  let nb = unsafe { realloc(b as *mut c_void, total) } as *mut BlockHeader;
  let (keep, keep_size) = if nb.is_null() {
    // Original block is untouched on failure: relink it.
    (b, unsafe { (*b).size })
  } else {
    (nb, size)
  };
  let head: *mut BlockHeader = &mut l.head;
  unsafe {
    (*keep).size = keep_size;
    (*keep).magic = MAGIC_LIVE;
    (*keep).prev = head;
    (*keep).next = l.head.next;
    (*l.head.next).prev = keep;
  }
  l.head.next = keep;
  l.blocks += 1;
  l.bytes += keep_size;
  if nb.is_null() {
    ptr::null_mut()
  } else {
    unsafe { (nb as *mut u8).add(HDR) as *mut c_void }
  }
}

unsafe extern "C" fn th_usable_size(p: *const c_void) -> usize {
  if p.is_null() {
    return 0;
  }
  let b = header_of(p as *mut c_void);
  #[cfg(any(target_os = "linux", target_os = "android"))]
  {
    let n = unsafe { malloc_usable_size(b as *mut c_void) };
    n.saturating_sub(HDR)
  }
  #[cfg(not(any(target_os = "linux", target_os = "android")))]
  {
    unsafe { (*b).size }
  }
}

static TRACKED_MALLOC_FUNCS: JSMallocFunctions = JSMallocFunctions {
  js_calloc: th_calloc,
  js_malloc: th_malloc,
  js_free: th_free,
  js_realloc: th_realloc,
  js_malloc_usable_size: th_usable_size,
};

/// Bytes currently allocated from `heap`: the isolate's live QuickJS heap.
pub(crate) fn live_bytes(heap: *mut TrackedHeap) -> usize {
  if heap.is_null() {
    return 0;
  }
  unsafe { (*heap).lock().bytes }
}

/// Creates a QuickJS runtime whose memory is tracked by a fresh heap.
/// Returns (runtime, heap); the heap must be passed to [`free_runtime`].
pub(crate) fn new_runtime() -> (*mut JSRuntime, *mut TrackedHeap) {
  let heap = Box::into_raw(TrackedHeap::new());
  let rt = unsafe { JS_NewRuntime2(&TRACKED_MALLOC_FUNCS, heap as *mut c_void) };
  if rt.is_null() {
    drop(unsafe { Box::from_raw(heap) });
  }
  (rt, heap)
}

/// `JS_FreeRuntime(rt)`, then frees every block of `rt` that was still
/// referenced (leaked) and the heap itself.
///
/// # Safety
/// `rt`/`heap` must come from [`new_runtime`]; nothing may use memory of
/// `rt` afterwards.
pub(crate) unsafe fn free_runtime(rt: *mut JSRuntime, heap: *mut TrackedHeap) {
  unsafe { super::quickjs_sys::JS_FreeRuntime(rt) };
  if heap.is_null() {
    return;
  }
  // Process-global registries keyed by addresses of objects in this heap
  // must forget them before the memory is reused by the allocator.
  let ranges = unsafe { (*heap).live_ranges() };
  if !ranges.is_empty() {
    let in_dead_heap = |addr: usize| {
      let i = ranges.partition_point(|r| r.0 <= addr);
      i > 0 && addr < ranges[i - 1].1
    };
    super::function::purge_external_values(&in_dead_heap);
  }
  let (blocks, bytes) = unsafe { (*heap).release_all() };
  if blocks != 0 && std::env::var_os("V8X_QJS_REPORT_LEAKS").is_some() {
    eprintln!(
      "v8x: freed {blocks} QuickJS block(s) / {bytes} bytes still referenced at JS_FreeRuntime"
    );
  }
  drop(unsafe { Box::from_raw(heap) });
}
