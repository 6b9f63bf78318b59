// Fiber scheduler for host-compiled kernels: see cuda_emu.h and docs/design/emu-kernels.md.
//
// A launch runs block after block on the calling thread. For a block, every CUDA thread gets a
// fiber (a 64 KiB stack with a guard page, reused across blocks and launches of this OS thread).
// The scheduler resumes each ready fiber in turn until it yields - at __syncthreads, at a warp
// shuffle, or by returning - then resolves what can proceed: a warp whose named lanes all wait
// at a shuffle exchanges values; a barrier opens when every thread of the block waits at it.
// When nothing can proceed and threads remain, the launch fails with a deadlock report.
#include "cuda_emu.h"
#include "emu_registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace emu {
thread_local Tls tls;
}

using emu::Fiber;

extern "C" void emu_fiber_switch(void** save_sp, void* to_sp) __attribute__((visibility("hidden")));

#if defined(__x86_64__)
// Saves the callee-saved registers of the System V ABI on the current stack, stores the stack
// pointer to *save_sp, loads to_sp and pops the same registers from there.
asm(R"(
  .text
  .globl emu_fiber_switch
  .hidden emu_fiber_switch
  .type emu_fiber_switch,@function
emu_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size emu_fiber_switch,.-emu_fiber_switch
)");
#elif defined(__aarch64__)
asm(R"(
  .text
  .globl emu_fiber_switch
  .hidden emu_fiber_switch
  .type emu_fiber_switch,%function
emu_fiber_switch:
  sub sp, sp, #176
  stp x19, x20, [sp, #0]
  stp x21, x22, [sp, #16]
  stp x23, x24, [sp, #32]
  stp x25, x26, [sp, #48]
  stp x27, x28, [sp, #64]
  stp x29, x30, [sp, #80]
  stp d8, d9, [sp, #96]
  stp d10, d11, [sp, #112]
  stp d12, d13, [sp, #128]
  stp d14, d15, [sp, #144]
  mov x9, sp
  str x9, [x0]
  mov sp, x1
  ldp x19, x20, [sp, #0]
  ldp x21, x22, [sp, #16]
  ldp x23, x24, [sp, #32]
  ldp x25, x26, [sp, #48]
  ldp x27, x28, [sp, #64]
  ldp x29, x30, [sp, #80]
  ldp d8, d9, [sp, #96]
  ldp d10, d11, [sp, #112]
  ldp d12, d13, [sp, #128]
  ldp d14, d15, [sp, #144]
  add sp, sp, #176
  ret
  .size emu_fiber_switch,.-emu_fiber_switch
)");
#else
#error "cuda-emulator: no fiber switch for this architecture"
#endif

namespace {

constexpr size_t kStack = 64 * 1024;

struct Scheduler {
  void* sched_sp = nullptr;
  void (*body)(const void*) = nullptr;
  const void* ctx = nullptr;
  std::vector<Fiber> fibers;
  std::vector<unsigned> order;
  size_t page = 0;

  ~Scheduler() {
    for (Fiber& f : fibers) munmap(f.stack - page, kStack + page);
  }

  bool ensure(unsigned n) {
    if (!page) page = (size_t)sysconf(_SC_PAGESIZE);
    while (fibers.size() < n) {
      void* m = mmap(nullptr, kStack + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) return false;
      mprotect(m, page, PROT_NONE);  // a stack overflow faults instead of corrupting a neighbour
      Fiber f{};
      f.stack = (char*)m + page;
      fibers.push_back(f);
    }
    if (order.size() < n) order.resize(n);
    return true;
  }
};

thread_local Scheduler sched;
unsigned g_racecheck_seed = 0;

[[noreturn]] void fiber_main() {
  Scheduler& s = sched;
  s.body(s.ctx);
  emu::tls.cur->state = emu::DONE;
  emu_fiber_switch(&emu::tls.cur->sp, s.sched_sp);
  __builtin_unreachable();
}

void start_fiber(Fiber& f) {
  uintptr_t top = ((uintptr_t)(f.stack + kStack)) & ~(uintptr_t)15;
#if defined(__x86_64__)
  // Six zeroed callee-saved registers, then fiber_main as the return address of the switch and a
  // null fake return address; at fiber_main's entry rsp + 8 is 16-byte aligned as the ABI wants.
  void** sp = (void**)(top - 64);
  for (int i = 0; i < 6; i++) sp[i] = nullptr;
  sp[6] = (void*)&fiber_main;
  sp[7] = nullptr;
  f.sp = sp;
#else
  void** sp = (void**)(top - 176);
  memset(sp, 0, 176);
  sp[11] = (void*)&fiber_main;  // x30 (link register)
  f.sp = sp;
#endif
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
  return x;
}

void set_order(unsigned n, uint64_t block_linear, uint64_t phase) {
  unsigned* o = sched.order.data();
  for (unsigned i = 0; i < n; i++) o[i] = i;
  if (!g_racecheck_seed) return;
  uint64_t st = mix(((uint64_t)g_racecheck_seed << 32) ^ mix(block_linear * 0x9E3779B97F4A7C15ULL + phase));
  for (unsigned i = n - 1; i > 0; i--) {
    st = mix(st + 0x9E3779B97F4A7C15ULL);
    unsigned j = (unsigned)(st % (i + 1));
    unsigned t = o[i]; o[i] = o[j]; o[j] = t;
  }
}

int fail(char* err, size_t len, const char* fmt, ...) {
  if (err && len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
  }
  return 1;
}

// Exchanges the values of warp w if every lane its shuffles name is waiting at a shuffle.
// Returns 1 when exchanged, 0 when not ready, -1 (with err) when it never can be.
int resolve_warp(unsigned w, unsigned n, const char* kernel, char* err, size_t len) {
  Fiber* fs = sched.fibers.data();
  unsigned lo = w * 32, hi = lo + 32 < n ? lo + 32 : n;
  unsigned mask = 0;
  bool any = false;
  for (unsigned i = lo; i < hi; i++)
    if (fs[i].state == emu::AT_SHUFFLE) { mask |= fs[i].shfl_mask; any = true; }
  if (!any) return 0;
  for (unsigned l = 0; l < 32; l++) {
    if (!(mask >> l & 1u)) continue;
    unsigned i = lo + l;
    if (i >= hi)
      return -fail(err, len, "%s: warp shuffle with mask 0x%08x names lane %u, which does not exist in a block of %u threads",
                   kernel, mask, l, n);
    if (fs[i].state != emu::AT_SHUFFLE) return 0;
  }
  for (unsigned i = lo; i < hi; i++) {
    Fiber& f = fs[i];
    if (f.state != emu::AT_SHUFFLE || !(mask >> (i - lo) & 1u)) continue;
    unsigned src = lo + (unsigned)f.shfl_src;
    f.shfl_out = (src < hi && (mask >> (src - lo) & 1u)) ? fs[src].shfl_in : f.shfl_in;
  }
  for (unsigned i = lo; i < hi; i++)
    if (fs[i].state == emu::AT_SHUFFLE && (mask >> (i - lo) & 1u)) fs[i].state = emu::READY;
  return 1;
}

int run_block(const char* kernel, unsigned n, uint64_t block_linear, char* err, size_t len) {
  Fiber* fs = sched.fibers.data();
  const dim3 bd = emu::tls.block_dim;
  for (unsigned i = 0; i < n; i++) {
    Fiber& f = fs[i];
    f.linear = i;
    f.tid = uint3{i % bd.x, (i / bd.x) % bd.y, i / (bd.x * bd.y)};
    f.state = emu::READY;
    start_fiber(f);
  }
  uint64_t phase = 0;
  set_order(n, block_linear, phase);
  for (;;) {
    const unsigned* o = sched.order.data();
    for (unsigned k = 0; k < n; k++) {
      Fiber& f = fs[o[k]];
      if (f.state != emu::READY) continue;
      emu::tls.cur = &f;
      emu_fiber_switch(&sched.sched_sp, f.sp);
    }
    unsigned done = 0, barrier = 0, shuffle = 0;
    for (unsigned i = 0; i < n; i++) {
      int st = fs[i].state;
      done += st == emu::DONE;
      barrier += st == emu::AT_BARRIER;
      shuffle += st == emu::AT_SHUFFLE;
    }
    if (done == n) return 0;
    if (shuffle) {
      bool moved = false;
      for (unsigned w = 0; w * 32 < n; w++) {
        int r = resolve_warp(w, n, kernel, err, len);
        if (r < 0) return 1;
        moved |= r > 0;
      }
      if (moved) continue;
    }
    if (barrier == n) {
      for (unsigned i = 0; i < n; i++) fs[i].state = emu::READY;
      set_order(n, block_linear, ++phase);
      continue;
    }
    const uint3 b = emu::tls.block_idx;
    unsigned first_wait = 0;
    while (first_wait < n && fs[first_wait].state == emu::DONE) first_wait++;
    return fail(err, len,
                "%s: deadlock in block (%u,%u,%u): of %u threads, %u wait at __syncthreads, %u at a warp shuffle, "
                "%u have exited (e.g. thread (%u,%u,%u) waits at %s)",
                kernel, b.x, b.y, b.z, n, barrier, shuffle, done, fs[first_wait].tid.x, fs[first_wait].tid.y,
                fs[first_wait].tid.z, fs[first_wait].state == emu::AT_BARRIER ? "__syncthreads" : "a shuffle");
  }
}

}  // namespace

void emu::yield_to_scheduler() { emu_fiber_switch(&emu::tls.cur->sp, sched.sched_sp); }

extern "C" {

const emu_kernel_info* myelin_emu_kernels(int* count) {
  static std::vector<emu_kernel_info> infos = [] {
    int n = 0;
    const emu::Entry* const* e = myelin_emu_entries(&n);
    std::vector<emu_kernel_info> v;
    for (int i = 0; i < n; i++) v.push_back(e[i]->info);
    return v;
  }();
  if (count) *count = (int)infos.size();
  return infos.data();
}

void myelin_emu_set_racecheck(unsigned seed) { g_racecheck_seed = seed; }

int myelin_emu_launch(int kernel_index, emu_dim3 grid, emu_dim3 block, unsigned dynamic_shared_bytes,
                      void** args, char* err, size_t err_len) {
  int count = 0;
  const emu::Entry* const* entries = myelin_emu_entries(&count);
  if (kernel_index < 0 || kernel_index >= count)
    return fail(err, err_len, "no emulated kernel with index %d (%d registered)", kernel_index, count);
  const emu::Entry& e = *entries[kernel_index];
  const char* name = e.info.name;
  if (!block.x || !block.y || !block.z || block.x > 1024 || block.y > 1024 || block.z > 64 ||
      (uint64_t)block.x * block.y * block.z > 1024)
    return fail(err, err_len, "%s: invalid block (%u,%u,%u): at most 1024 threads, x,y <= 1024, z <= 64", name,
                block.x, block.y, block.z);
  if (!grid.x || !grid.y || !grid.z || grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u)
    return fail(err, err_len, "%s: invalid grid (%u,%u,%u)", name, grid.x, grid.y, grid.z);
  if (dynamic_shared_bytes > 227u * 1024u)
    return fail(err, err_len, "%s: %u bytes of dynamic shared memory exceed the 227 KiB a block may have", name,
                dynamic_shared_bytes);
  if (e.info.nparams > 0 && !args) return fail(err, err_len, "%s: null argument array", name);
  for (int i = 0; i < e.info.nparams; i++)
    if (!args[i]) return fail(err, err_len, "%s: argument %d is null", name, i);
  unsigned n = block.x * block.y * block.z;
  if (!sched.ensure(n)) return fail(err, err_len, "%s: cannot map fiber stacks for %u threads", name, n);

  alignas(64) unsigned char small[512];
  std::vector<unsigned char> big;
  void* ctx = small;
  if (e.ctx_size > sizeof small) {
    big.resize(e.ctx_size + 64);
    ctx = (void*)(((uintptr_t)big.data() + 63) & ~(uintptr_t)63);
  }
  e.unpack(args, ctx);

  emu::Tls saved = emu::tls;
  sched.body = e.body;
  sched.ctx = ctx;
  emu::tls.block_dim = dim3(block.x, block.y, block.z);
  emu::tls.grid_dim = dim3(grid.x, grid.y, grid.z);
  int rc = 0;
  for (unsigned z = 0; z < grid.z && !rc; z++)
    for (unsigned y = 0; y < grid.y && !rc; y++)
      for (unsigned x = 0; x < grid.x && !rc; x++) {
        emu::tls.block_idx = uint3{x, y, z};
        rc = run_block(name, n, ((uint64_t)z * grid.y + y) * grid.x + x, err, err_len);
      }
  emu::tls = saved;
  return rc;
}
}
