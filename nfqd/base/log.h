/*
 * log.c: messages on standard error in the foreground, to syslog
 * otherwise; log_warn adds strerror(errno); fatal and fatalx exit, and
 * are for start-up and configuration only, never the packet path.
 */
#ifndef NFQD_BASE_LOG_H
#define NFQD_BASE_LOG_H

void	 log_init(int to_syslog, int verbose);
void	 log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
