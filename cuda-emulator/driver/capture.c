/* Emulated driver: stream capture and graphs, as the driver API documents them.
 * - cuStreamBeginCapture puts a (non-default) stream into capture: work enqueued on it is recorded
 *   into a graph instead of running; an event recorded there belongs to the capture, and another
 *   stream that waits on it joins the capture.
 * - "Potentially unsafe" calls (allocations, synchronous copies and memsets, module loads, host
 *   waits: myelin_emu_capture_unsafe_call) follow the capture modes of
 *   cuThreadExchangeStreamCaptureMode: in GLOBAL mode a thread may not make them while it has a
 *   non-relaxed capture or another thread has a GLOBAL one; in THREAD_LOCAL mode while it has a
 *   non-relaxed capture; in RELAXED mode always. A prohibited call returns
 *   CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidates the captures that forbid it; work
 *   enqueued into an invalidated capture returns CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, and so
 *   does cuStreamEndCapture (no graph).
 * - cuGraphInstantiateWithFlags copies the recorded operations; cuGraphLaunch enqueues them on a
 *   stream in order (each operation's bytes copied again), so a replay is stream-ordered work like
 *   any other (lazy mode included). The graph here is one sequence: forked work was recorded in an
 *   order the dependencies allow. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "streams.h"

#define MODE_GLOBAL 0
#define MODE_THREAD_LOCAL 1
#define MODE_RELAXED 2

struct emu_capture {
  struct emu_stream *origin;
  int mode;
  pthread_t thread;
  int invalidated;
  struct operation *head;
  struct operation *tail;
  struct emu_event **events; /* events recorded into the capture */
  size_t nevents;
  size_t event_capacity;
  struct emu_capture *next;  /* the list of running captures */
};

struct emu_graph {
  struct operation *head;
};

struct emu_graph_exec {
  size_t count;
  struct operation *ops;
};

#define lock myelin_emu_stream_lock
static struct emu_capture *running;
static _Thread_local int thread_mode = MODE_GLOBAL;

static void free_ops(struct operation *op) {
  while (op != NULL) {
    struct operation *next = op->next;
    free(op->ctx);
    free(op);
    op = next;
  }
}

int cuThreadExchangeStreamCaptureMode(int *mode) {
  if (mode == NULL || *mode < MODE_GLOBAL || *mode > MODE_RELAXED) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  int previous = thread_mode;
  thread_mode = *mode;
  *mode = previous;
  return CUDA_SUCCESS;
}

int cuStreamBeginCapture_v2(struct emu_stream *stream, int mode) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (stream == NULL) {
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED; /* the legacy default stream cannot capture */
  }
  if (mode < MODE_GLOBAL || mode > MODE_RELAXED) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  struct emu_capture *c = calloc(1, sizeof *c);
  if (c == NULL) {
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  c->origin = stream;
  c->mode = mode;
  c->thread = pthread_self();
  pthread_mutex_lock(&lock);
  if (stream->capture != NULL) {
    pthread_mutex_unlock(&lock);
    free(c);
    return CUDA_ERROR_ILLEGAL_STATE;
  }
  stream->capture = c;
  c->next = running;
  running = c;
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

void myelin_emu_capture_invalidate(struct emu_capture *capture, const char *why) {
  if (!capture->invalidated) {
    fprintf(stderr, "myelin emulated driver: stream capture invalidated: %s\n", why);
  }
  capture->invalidated = 1;
}

int myelin_emu_capture_unsafe_call(const char *call) {
  int status = CUDA_SUCCESS;
  pthread_mutex_lock(&lock);
  if (running != NULL && thread_mode != MODE_RELAXED) {
    pthread_t self = pthread_self();
    for (struct emu_capture *c = running; c != NULL; c = c->next) {
      int own = pthread_equal(c->thread, self);
      if ((own && c->mode != MODE_RELAXED) || (!own && thread_mode == MODE_GLOBAL && c->mode == MODE_GLOBAL)) {
        char why[160];
        snprintf(why, sizeof why, "%s is not permitted while the stream captures (capture mode %s)", call,
                 thread_mode == MODE_GLOBAL ? "global" : "thread-local");
        myelin_emu_capture_invalidate(c, why);
        status = CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
      }
    }
  }
  pthread_mutex_unlock(&lock);
  return status;
}

int myelin_emu_capture_append(struct emu_stream *stream, void (*fn)(void *ctx), const void *ctx, size_t bytes) {
  struct emu_capture *c = stream->capture;
  if (c->invalidated) {
    return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
  }
  struct operation *op = malloc(sizeof *op);
  void *copy = malloc(bytes == 0 ? 1 : bytes);
  if (op == NULL || copy == NULL) {
    free(op);
    free(copy);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  memcpy(copy, ctx, bytes);
  op->fn = fn;
  op->ctx = copy;
  op->bytes = bytes;
  op->next = NULL;
  if (c->tail == NULL) {
    c->head = op;
  } else {
    c->tail->next = op;
  }
  c->tail = op;
  return CUDA_SUCCESS;
}

/* Called (lock held) by cuEventRecord into a capture. */
static int remember_event(struct emu_capture *c, struct emu_event *event) {
  for (size_t i = 0; i < c->nevents; i++) {
    if (c->events[i] == event) {
      return CUDA_SUCCESS;
    }
  }
  if (c->nevents == c->event_capacity) {
    size_t capacity = c->event_capacity == 0 ? 8 : 2 * c->event_capacity;
    struct emu_event **grown = realloc(c->events, capacity * sizeof *grown);
    if (grown == NULL) {
      return CUDA_ERROR_OUT_OF_MEMORY;
    }
    c->events = grown;
    c->event_capacity = capacity;
  }
  c->events[c->nevents++] = event;
  return CUDA_SUCCESS;
}

int myelin_emu_capture_record_event(struct emu_capture *capture, struct emu_event *event) {
  return remember_event(capture, event);
}

void myelin_emu_capture_forget_event(struct emu_event *event) {
  struct emu_capture *c = event->capture;
  if (c == NULL) {
    return;
  }
  for (size_t i = 0; i < c->nevents; i++) {
    if (c->events[i] == event) {
      c->events[i] = c->events[--c->nevents];
      break;
    }
  }
}

int myelin_emu_capture_join(struct emu_stream *stream, struct emu_capture *capture) {
  if (stream->capture == capture) {
    return CUDA_SUCCESS;
  }
  if (stream->capture != NULL || stream->head != NULL) {
    /* Joining would order the capture after work outside it (or merge two captures). */
    myelin_emu_capture_invalidate(capture, "cuStreamWaitEvent joining a stream with work outside the capture");
    return CUDA_ERROR_STREAM_CAPTURE_ISOLATION;
  }
  stream->capture = capture;
  return CUDA_SUCCESS;
}

int cuStreamIsCapturing(struct emu_stream *stream, int *status) {
  int context = myelin_emu_require_context();
  if (context != CUDA_SUCCESS) {
    return context;
  }
  if (status == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  pthread_mutex_lock(&lock);
  struct emu_capture *c = stream == NULL ? NULL : stream->capture;
  *status = c == NULL ? 0 : c->invalidated ? 2 : 1; /* NONE, ACTIVE, INVALIDATED */
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

/* Every stream that joined the capture leaves it. */
static void leave(struct emu_capture *c, struct emu_stream *origin);

int cuStreamEndCapture(struct emu_stream *stream, struct emu_graph **graph) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (graph == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  pthread_mutex_lock(&lock);
  struct emu_capture *c = stream == NULL ? NULL : stream->capture;
  if (c == NULL) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_ILLEGAL_STATE;
  }
  if (c->origin != stream) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_STREAM_CAPTURE_UNMATCHED;
  }
  if (c->mode != MODE_RELAXED && !pthread_equal(c->thread, pthread_self())) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
  }
  leave(c, stream);
  pthread_mutex_unlock(&lock);
  *graph = NULL;
  if (c->invalidated) {
    free_ops(c->head);
    status = CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
  } else {
    struct emu_graph *g = malloc(sizeof *g);
    if (g == NULL) {
      free_ops(c->head);
      status = CUDA_ERROR_OUT_OF_MEMORY;
    } else {
      g->head = c->head;
      *graph = g;
    }
  }
  free(c->events);
  free(c);
  return status;
}

int myelin_emu_streams_leave_capture(struct emu_capture *c); /* streams.c */

static void leave(struct emu_capture *c, struct emu_stream *origin) {
  origin->capture = NULL;
  myelin_emu_streams_leave_capture(c);
  for (size_t i = 0; i < c->nevents; i++) {
    c->events[i]->capture = NULL; /* recorded in a graph, not in a stream: it holds no work now */
  }
  for (struct emu_capture **link = &running; *link != NULL; link = &(*link)->next) {
    if (*link == c) {
      *link = c->next;
      break;
    }
  }
}

int cuGraphInstantiateWithFlags(struct emu_graph_exec **exec, struct emu_graph *graph, unsigned long long flags) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (exec == NULL || graph == NULL || flags > 0xF) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  struct emu_graph_exec *e = calloc(1, sizeof *e);
  if (e == NULL) {
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  for (struct operation *op = graph->head; op != NULL; op = op->next) {
    e->count++;
  }
  e->ops = calloc(e->count == 0 ? 1 : e->count, sizeof *e->ops);
  if (e->ops == NULL) {
    free(e);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  size_t i = 0;
  for (struct operation *op = graph->head; op != NULL; op = op->next, i++) {
    e->ops[i].fn = op->fn;
    e->ops[i].bytes = op->bytes;
    e->ops[i].ctx = malloc(op->bytes == 0 ? 1 : op->bytes);
    if (e->ops[i].ctx == NULL) {
      for (size_t j = 0; j < i; j++) {
        free(e->ops[j].ctx);
      }
      free(e->ops);
      free(e);
      return CUDA_ERROR_OUT_OF_MEMORY;
    }
    memcpy(e->ops[i].ctx, op->ctx, op->bytes);
  }
  *exec = e;
  return CUDA_SUCCESS;
}

int cuGraphLaunch(struct emu_graph_exec *exec, struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (exec == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  for (size_t i = 0; i < exec->count && status == CUDA_SUCCESS; i++) {
    status = myelin_emu_enqueue(stream, exec->ops[i].fn, exec->ops[i].ctx, exec->ops[i].bytes);
  }
  return status == CUDA_SUCCESS ? myelin_emu_sticky_error() : status;
}

int cuGraphExecDestroy(struct emu_graph_exec *exec) {
  if (exec == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  /* A replay still queued holds its own copies of the operations: nothing waits here. */
  for (size_t i = 0; i < exec->count; i++) {
    free(exec->ops[i].ctx);
  }
  free(exec->ops);
  free(exec);
  return CUDA_SUCCESS;
}

int cuGraphDestroy(struct emu_graph *graph) {
  if (graph == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  free_ops(graph->head);
  free(graph);
  return CUDA_SUCCESS;
}
