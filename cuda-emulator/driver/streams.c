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
#include "emu_internal.h"

struct operation {
  void (*fn)(void *ctx);
  void *ctx;
  struct operation *next;
};

struct emu_stream {
  struct operation *head;
  struct operation *tail;
  unsigned long long enqueued; /* operations ever enqueued */
  unsigned long long done;     /* operations ever run */
};

struct emu_event {
  struct emu_stream *stream;   /* where it was last recorded; NULL when never */
  unsigned long long position; /* the stream's enqueued count at the record */
  double millis;               /* host time when the record ran */
  int recorded;
};

static struct emu_stream default_stream;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int lazy(void) {
  const char *mode = getenv("MYELIN_EMU_LAZY");
  return mode != NULL && strcmp(mode, "1") == 0;
}

static struct emu_stream *resolve(struct emu_stream *stream) {
  return stream == NULL ? &default_stream : stream;
}

/* Runs the stream's operations up to (and including) position; caller holds the lock. */
static void run_until(struct emu_stream *stream, unsigned long long position) {
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

int myelin_emu_enqueue(struct emu_stream *stream, void (*fn)(void *ctx), const void *ctx, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
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
  op->next = NULL;
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  if (stream->tail == NULL) {
    stream->head = op;
  } else {
    stream->tail->next = op;
  }
  stream->tail = op;
  stream->enqueued++;
  if (!lazy()) {
    run_until(stream, stream->enqueued);
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
  *stream = calloc(1, sizeof **stream);
  return *stream == NULL ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
}

int cuStreamSynchronize(struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  stream = resolve(stream);
  pthread_mutex_lock(&lock);
  run_until(stream, stream->enqueued);
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
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
  run_until(stream, stream->enqueued);
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
  if (event->recorded) {
    run_until(event->stream, event->position);
  }
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

int cuEventQuery(struct emu_event *event) {
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  pthread_mutex_lock(&lock);
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
  (void) stream;
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  if (flags > 1) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  pthread_mutex_lock(&lock);
  if (event->recorded) {
    run_until(event->stream, event->position);
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

int cuEventDestroy_v2(struct emu_event *event) {
  if (event == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  free(event);
  return CUDA_SUCCESS;
}
