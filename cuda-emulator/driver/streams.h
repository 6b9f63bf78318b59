/* Internal: the stream, event and capture structures shared by streams.c and capture.c. */
#ifndef MYELIN_EMU_STREAMS_H
#define MYELIN_EMU_STREAMS_H
#include <pthread.h>
#include "emu_internal.h"

#define CUDA_ERROR_STREAM_CAPTURE_UNMATCHED 904
#define CUDA_ERROR_STREAM_CAPTURE_ISOLATION 905
#define CUDA_ERROR_CAPTURED_EVENT 907

struct operation {
  void (*fn)(void *ctx);
  void *ctx;
  size_t bytes;
  struct operation *next;
};

struct emu_capture;

struct emu_stream {
  struct operation *head;
  struct operation *tail;
  unsigned long long enqueued;     /* operations ever enqueued */
  unsigned long long done;         /* operations ever run */
  struct emu_stream *next_stream;  /* the list of live streams */
  struct emu_capture *capture;     /* the capture sequence this stream records into, or NULL */
  int non_blocking;                /* CU_STREAM_NON_BLOCKING: not ordered with the legacy stream */
};

struct emu_event {
  struct emu_stream *stream;   /* where it was last recorded; NULL when never */
  unsigned long long position; /* the stream's enqueued count at the record */
  double millis;               /* host time when the record ran */
  int recorded;
  struct emu_capture *capture; /* last recorded into this running capture, or NULL */
};

/* Guards every stream, event and capture. */
extern pthread_mutex_t myelin_emu_stream_lock;
/* The rest need the lock held. */
void myelin_emu_run_until(struct emu_stream *stream, unsigned long long position);
int myelin_emu_capture_append(struct emu_stream *stream, void (*fn)(void *ctx), const void *ctx, size_t bytes);
void myelin_emu_capture_invalidate(struct emu_capture *capture, const char *why);
int myelin_emu_capture_join(struct emu_stream *stream, struct emu_capture *capture);
void myelin_emu_capture_forget_event(struct emu_event *event);
int myelin_emu_capture_record_event(struct emu_capture *capture, struct emu_event *event);
/* Every stream recording into capture stops (streams.c). */
int myelin_emu_streams_leave_capture(struct emu_capture *capture);
#endif
