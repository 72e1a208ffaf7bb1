/*
 * Pre-announced bulk mailings (bulk-announcements): during an announced
 * window a host's bulk thresholds are multiplied (policy_bulk_factor,
 * detect.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/files.h"
#include "base/when.h"
#include "policy/exceptions.h"
#include "policy/policy.h"

/*
 * announcements file, one per line:
 *	ADDRESS[/LEN]  FROM  UNTIL  xFACTOR  [# comment]
 * FROM and UNTIL as YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC); during
 * [FROM, UNTIL) the host's bulk thresholds are multiplied by FACTOR.
 */
static int
announce_time(const char *s, int64_t *t)
{
	const char	*end;

	if (when_parse(s, t, &end) == -1 || *end != '\0' ||
	    (end - s != 10 && end - s != 16))
		return -1;
	return 0;
}

int
announce_load(const char *path, struct announce **out, size_t *n, char *err,
    size_t errlen)
{
	FILE		*f;
	char		*line = NULL, *p, *tok[5], msg[ERRLEN];
	size_t		 cap = 0, alloc = 0;
	unsigned	 lineno = 0;
	int		 nt;
	char		*end;
	unsigned long	 factor;
	struct announce	 a, *v = NULL, *nv;

	*out = NULL;
	*n = 0;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (file_check_mode(fileno(f), path, err, errlen) == -1) {
		fclose(f);
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		nt = 0;
		for (p = strtok(line, " \t\r\n"); p != NULL && nt < 5;
		    p = strtok(NULL, " \t\r\n"))
			tok[nt++] = p;
		if (nt == 0)
			continue;
		memset(&a, 0, sizeof(a));
		if (nt != 4) {
			snprintf(msg, sizeof(msg), "expected ADDRESS FROM UNTIL "
			    "xFACTOR");
			goto bad;
		}
		if (prefix_parse(tok[0], &a.pfx, msg, sizeof(msg)) == -1)
			goto bad;
		if (announce_time(tok[1], &a.from) == -1 ||
		    announce_time(tok[2], &a.until) == -1) {
			snprintf(msg, sizeof(msg), "bad time '%.40s' or '%.40s' "
			    "(YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)", tok[1],
			    tok[2]);
			goto bad;
		}
		if (a.until <= a.from) {
			snprintf(msg, sizeof(msg), "UNTIL is not after FROM");
			goto bad;
		}
		errno = 0;
		factor = tok[3][0] == 'x' ? strtoul(tok[3] + 1, &end, 10) : 0;
		if (tok[3][0] != 'x' || *end != '\0' || errno != 0 ||
		    factor < 2 || factor > 1000) {
			snprintf(msg, sizeof(msg), "bad factor '%.40s' (x2 to "
			    "x1000)", tok[3]);
			goto bad;
		}
		a.factor = (uint32_t)factor;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			if ((nv = reallocarray(v, alloc, sizeof(*v))) == NULL) {
				snprintf(msg, sizeof(msg), "out of memory");
				goto bad;
			}
			v = nv;
		}
		v[(*n)++] = a;
	}
	free(line);
	fclose(f);
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
	free(line);
	free(v);
	fclose(f);
	*n = 0;
	return -1;
}
