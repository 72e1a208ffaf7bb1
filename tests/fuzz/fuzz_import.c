/*
 * fuzz_import: `nfqctl exception import --json` (excedit_import,
 * excedit.c): its two readers of the JSON array (a quick one for flat
 * objects without escapes, cJSON for the rest) and the plan of what an
 * import changes, on the sample list.
 *
 * Input: the JSON text.
 *
 * Checked: an import is refused whenever cJSON does not parse the text
 * as an array; when it is taken, every element is counted once (added,
 * changed or kept), every entry of the list once (removed, changed or
 * kept), and the list holds the added, changed and kept ones.
 */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "control/excedit.h"

static struct conf	 conf;
static char		 exc_path[MAX_PATH];
static size_t		 nsample;

static const char sample[] =
    "# Central mail gateway\n"
    "10.20.1.25        both      ticket=NET-1001 owner=its-mail\n"
    "2001:db8:20:1::25 both      ticket=NET-1001 owner=its-mail\n"
    "# Physics department mail servers: inbound only\n"
    "10.20.8.0/24      inbound   ticket=NET-1187 owner=physics-it "
    "expires=2027-06-30 added=2025-07-01\n"
    "# ... but this host only sends\n"
    "10.20.8.66        outbound  ticket=NET-1203 owner=physics-it\n"
    "10.20.7.7         both      ticket=NET-0950 owner=events "
    "expires=2026-08-31  # old\n";

int
LLVMFuzzerInitialize(int *argc FUZZ_UNUSED, char ***argv FUZZ_UNUSED)
{
	static const char text[] =
	    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
	    "exceptions = exceptions.conf\n"
	    "timezone = UTC\n";
	char	 path[MAX_PATH], err[ERRLEN];

	fuzz_dir_new();
	fuzz_write("exceptions.conf", sample, strlen(sample), exc_path);
	fuzz_write("nfqd.conf", text, strlen(text), path);
	if (conf_load(path, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_import: %s\n", err);
		abort();
	}
	nsample = 5;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct excedit_opts	 o = { .path = exc_path, .conf = &conf,
				    .now = 1795348800 };	/* 2026-11-22 */
	struct excedit_stats	 st;
	struct excedit		*x;
	cJSON			*root;
	char			 err[ERRLEN];
	int			 rc, n;

	if ((x = excedit_open(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_import: %s\n", err);
		abort();
	}
	err[0] = '\0';
	rc = excedit_import(x, (const char *)data, size, "in.json", &st, err,
	    sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1, "excedit_import returned %d", rc);
	root = cJSON_ParseWithLength((const char *)data, size);
	n = cJSON_IsArray(root) ? cJSON_GetArraySize(root) : -1;
	if (rc == -1)
		FUZZ_CHECK(err[0] != '\0', "refused without a message");
	else {
		FUZZ_CHECK(n > 0, "took what cJSON does not read as an "
		    "array of entries");
		FUZZ_CHECK(st.added + st.changed + st.kept == (unsigned)n,
		    "%u added, %u changed, %u kept of %d elements", st.added,
		    st.changed, st.kept, n);
		FUZZ_CHECK(st.removed + st.changed + st.kept == nsample,
		    "%u removed, %u changed, %u kept of %zu entries",
		    st.removed, st.changed, st.kept, nsample);
		FUZZ_CHECK(excedit_count(x) == (size_t)n, "%zu entries "
		    "after the import of %d", excedit_count(x), n);
	}
	cJSON_Delete(root);
	excedit_close(x);
	return 0;
}
