/* Emulated driver: streams and events. Each stream is a FIFO of operations. In the default (eager)
 * mode an operation runs when it is enqueued; with MYELIN_EMU_LAZY=1 a stream's queue runs only when
 * something waits on it (stream or event synchronize, an event wait by another stream, an event
 * query), deterministically, so work on one stream runs late relative to another and a missing
 * event wait between two streams changes results instead of passing by luck. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "streams.h"

static struct emu_stream default_stream;
pthread_mutex_t myelin_emu_stream_lock = PTHREAD_MUTEX_INITIALIZER;
#define lock myelin_emu_stream_lock
/* Every stream created and not destroyed (the default stream is not listed). */
static struct emu_stream *streams;

static int lazy(void) {
  const char *mode = getenv("MYELIN_EMU_LAZY");
  return mode != NULL && strcmp(mode, "1") == 0;
}

static struct emu_stream *resolve(struct emu_stream *stream) {
  return stream == NULL ? &default_stream : stream;
}

/* Runs the stream's operations up to (and including) position; caller holds the lock. */
void myelin_emu_run_until(struct emu_stream *stream, unsigned long long position) {
  while (stream->done < position && stream->head != NULL) {
    struct operation *op = stream->head;
    stream->head = op->next;
    if (stream->head == NULL) {
      stream->tail = NULL;
    }
    op->fn(op->ctx);
    stream->done++;
    free(op->ctx);
    free(op);
  }
}

void myelin_emu_drain_all(void) {
  pthread_mutex_lock(&lock);
  myelin_emu_run_until(&default_stream, default_stream.enqueued);
  for (struct emu_stream *s = streams; s != NULL; s = s->next_stream) {
    myelin_emu_run_until(s, s->enqueued);
  }
  pthread_mutex_unlock(&lock);
}

int myelin_emu_legacy_stream_wait(void) {
  pthread_mutex_lock(&lock);
  myelin_emu_run_until(&default_stream, default_stream.enqueued);
  for (struct emu_stream *s = streams; s != NULL; s = s->next_stream) {
    if (!s->non_blocking) {
      myelin_emu_run_until(s, s->enqueued);
    }
  }
  pthread_mutex_unlock(&lock);
  return myelin_emu_sticky_error();
}

int cuCtxSynchronize(void) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_capture_unsafe_call("cuCtxSynchronize");
  }
  if (status != CUDA_SUCCESS) {
    return status;
  }
  myelin_emu_drain_all();
  return myelin_emu_sticky_error();
}

int myelin_emu_enqueue(struct emu_stream *stream, void (*fn)(void *ctx), const void *ctx, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  if (stream->capture != NULL) {
    status = myelin_emu_capture_append(stream, fn, ctx, bytes);
    pthread_mutex_unlock(&lock);
    return status;
  }
  pthread_mutex_unlock(&lock);
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
  pthread_mutex_lock(&lock);
  if (stream->tail == NULL) {
    stream->head = op;
  } else {
    stream->tail->next = op;
  }
  stream->tail = op;
  stream->enqueued++;
  if (!lazy()) {
    myelin_emu_run_until(stream, stream->enqueued);
  }
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

int cuStreamCreate(struct emu_stream **stream, unsigned int flags) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (stream == NULL || flags > 1) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  struct emu_stream *created = calloc(1, sizeof *created);
  if (created == NULL) {
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  created->non_blocking = (flags & 1) != 0;
  pthread_mutex_lock(&lock);
  created->next_stream = streams;
  streams = created;
  pthread_mutex_unlock(&lock);
  *stream = created;
  return CUDA_SUCCESS;
}

int cuStreamSynchronize(struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  if (stream->capture != NULL) {
    /* Waiting on a capturing stream is illegal: the capture is invalidated. */
    myelin_emu_capture_invalidate(stream->capture, "cuStreamSynchronize of the capturing stream");
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  pthread_mutex_unlock(&lock);
  status = myelin_emu_capture_unsafe_call("cuStreamSynchronize");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  pthread_mutex_lock(&lock);
  myelin_emu_run_until(stream, stream->enqueued);
  pthread_mutex_unlock(&lock);
  return myelin_emu_sticky_error();
}

int cuStreamQuery(struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  if (stream->capture != NULL) {
    myelin_emu_capture_invalidate(stream->capture, "cuStreamQuery of the capturing stream");
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  int done = stream->done == stream->enqueued;
  pthread_mutex_unlock(&lock);
  return done ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

int cuStreamDestroy_v2(struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (stream == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  /* The driver lets pending work complete after a destroy; here it completes now. */
  pthread_mutex_lock(&lock);
  myelin_emu_run_until(stream, stream->enqueued);
  for (struct emu_stream **link = &streams; *link != NULL; link = &(*link)->next_stream) {
    if (*link == stream) {
      *link = stream->next_stream;
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  free(stream);
  return CUDA_SUCCESS;
}

static void record_now(void *ctx) {
  struct emu_event *event = *(struct emu_event **) ctx;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  event->millis = (double) now.tv_sec * 1e3 + (double) now.tv_nsec / 1e6;
}

int cuEventCreate(struct emu_event **event, unsigned int flags) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (event == NULL || flags > 0xF) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *event = calloc(1, sizeof **event);
  return *event == NULL ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
}

int cuEventRecord(struct emu_event *event, struct emu_stream *stream) {
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  if (stream->capture != NULL) {
    /* A record into a capture is a node of the graph: the event belongs to the capture now. */
    int remembered = myelin_emu_capture_record_event(stream->capture, event);
    if (remembered != CUDA_SUCCESS) {
      pthread_mutex_unlock(&lock);
      return remembered;
    }
    event->capture = stream->capture;
    event->recorded = 0;
    pthread_mutex_unlock(&lock);
    return myelin_emu_enqueue(stream, record_now, &event, sizeof event);
  }
  event->capture = NULL;
  event->stream = stream;
  event->position = stream->enqueued + 1;
  event->recorded = 1;
  pthread_mutex_unlock(&lock);
  return myelin_emu_enqueue(stream, record_now, &event, sizeof event);
}

/* An event never recorded counts as complete, as the driver documents. */
static int event_done(const struct emu_event *event) {
  return !event->recorded || event->stream->done >= event->position;
}

int cuEventSynchronize(struct emu_event *event) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  pthread_mutex_lock(&lock);
  if (event->capture != NULL) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_CAPTURED_EVENT;
  }
  pthread_mutex_unlock(&lock);
  status = myelin_emu_capture_unsafe_call("cuEventSynchronize");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  pthread_mutex_lock(&lock);
  if (event->recorded) {
    myelin_emu_run_until(event->stream, event->position);
  }
  pthread_mutex_unlock(&lock);
  return myelin_emu_sticky_error();
}

int cuEventQuery(struct emu_event *event) {
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  pthread_mutex_lock(&lock);
  if (event->capture != NULL) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_CAPTURED_EVENT;
  }
  int done = event_done(event);
  pthread_mutex_unlock(&lock);
  return done ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

/* Work enqueued on stream after this call runs after the event's work: here the recorded stream is
 * run up to the event now, which is before anything the waiting stream enqueues later. */
int cuStreamWaitEvent(struct emu_stream *stream, struct emu_event *event, unsigned int flags) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  if (flags > 1) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  if (event->capture != NULL) {
    /* An event recorded in a capture: the waiting stream joins that capture (a fork); the graph
     * here is one sequence, which is a legal order of the forked work. */
    status = myelin_emu_capture_join(stream, event->capture);
    pthread_mutex_unlock(&lock);
    return status;
  }
  if (stream->capture != NULL && event->recorded && flags == 0) {
    /* Only in-stream ordering may cross the capture's boundary (CUDA_ERROR_STREAM_CAPTURE_ISOLATION). */
    myelin_emu_capture_invalidate(stream->capture, "cuStreamWaitEvent on an event recorded outside the capture");
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_STREAM_CAPTURE_ISOLATION;
  }
  if (stream->capture != NULL) {
    /* An external wait (or an event never recorded): the replay waits for whatever it holds then. */
    pthread_mutex_unlock(&lock);
    return CUDA_SUCCESS;
  }
  if (event->recorded) {
    myelin_emu_run_until(event->stream, event->position);
  }
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

int cuEventElapsedTime(float *millis, struct emu_event *start, struct emu_event *end) {
  if (millis == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (start == NULL || end == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  pthread_mutex_lock(&lock);
  int ready = start->recorded && end->recorded && event_done(start) && event_done(end);
  pthread_mutex_unlock(&lock);
  if (!start->recorded || !end->recorded) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  if (!ready) {
    return CUDA_ERROR_NOT_READY;
  }
  *millis = (float) (end->millis - start->millis);
  return CUDA_SUCCESS;
}

int myelin_emu_streams_leave_capture(struct emu_capture *capture) {
  if (default_stream.capture == capture) {
    default_stream.capture = NULL;
  }
  for (struct emu_stream *s = streams; s != NULL; s = s->next_stream) {
    if (s->capture == capture) {
      s->capture = NULL;
    }
  }
  return CUDA_SUCCESS;
}

int cuEventDestroy_v2(struct emu_event *event) {
  /* A record still queued refers to the event: it runs first (the driver defers the release). */
  if (event != NULL) {
    pthread_mutex_lock(&lock);
    if (event->recorded) {
      myelin_emu_run_until(event->stream, event->position);
    }
    myelin_emu_capture_forget_event(event);
    pthread_mutex_unlock(&lock);
  }
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  free(event);
  return CUDA_SUCCESS;
}
