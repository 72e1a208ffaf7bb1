/*
 * exchash.c: SHA-256 against the FIPS 180-2 examples (and the empty
 * input), fed whole and byte by byte; the list's hash is the digest of
 * its canonical form (the expected value from sha256sum(1) over that text
 * written out by hand), the same for files that differ only in comments,
 * order, spacing, key order and added= dates, different for any change in
 * prefix, direction, expiry, ticket or owner.
 */
#include "util.h"

static void
digest(const char *data, size_t n, size_t chunk, char out[SHA256_HEXLEN])
{
	struct sha256	 s;

	sha256_init(&s);
	for (size_t i = 0; i < n; i += chunk)
		sha256_update(&s, data + i, n - i < chunk ? n - i : chunk);
	sha256_hex(&s, out);
}

static void
test_fips_vectors(void **state UNUSED)
{
	static const struct {
		const char	*in, *out;
	} v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	};
	char	 out[SHA256_HEXLEN], *million;

	for (size_t i = 0; i < NELEM(v); i++) {
		for (size_t chunk = 1; chunk <= 64; chunk += 63) {
			digest(v[i].in, strlen(v[i].in), chunk, out);
			assert_string_equal(out, v[i].out);
		}
	}
	/* one million 'a': many blocks, fed in uneven pieces */
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	for (size_t chunk = 1000000; chunk >= 7; chunk = chunk == 1000000 ?
	    4099 : 7) {
		digest(million, 1000000, chunk, out);
		assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f18"
		    "09a48a497200e046d39ccc7112cd0");
		if (chunk == 7)
			break;
	}
	free(million);
}

static void
list_hash(struct tmpdir *d, const char *text, char out[SHA256_HEXLEN])
{
	struct exc_list	 l;
	char		 path[MAX_PATH], err[ERRLEN];

	write_file(d, "exc.conf", text, path);
	memset(&l, 0, sizeof(l));
	if (exc_load(path, NULL, 0, &l, err, sizeof(err)) == -1)
		fail_msg("exc_load: %s", err);
	assert_int_equal(exc_hash(&l, out), 0);
	exc_free(&l);
}

#define BASE	"10.20.8.0/24 inbound ticket=NET-1187 owner=physics-it " \
		"expires=2027-06-30\n" \
		"10.20.1.25 both ticket=NET-1001 owner=its-mail\n"

static void
test_list_hash(void **state UNUSED)
{
	static const char *same[] = {
		BASE,
		"# the gateway first, and comments\n\n"
		"10.20.1.25/32    both   owner=its-mail ticket=NET-1001 "
		"added=2024-01-15  # gateway\n"
		"10.20.8.0/24 inbound expires=2027-06-30 owner=physics-it "
		"ticket=NET-1187 added=2025-07-01\n",
	};
	static const char *other[] = {
		"10.20.8.0/24 inbound ticket=NET-1187 owner=physics-it "
		"expires=2027-06-29\n"
		"10.20.1.25 both ticket=NET-1001 owner=its-mail\n",
		"10.20.8.0/24 inbound ticket=NET-1187 owner=physics-it "
		"expires=2027-06-30\n"
		"10.20.1.25 outbound ticket=NET-1001 owner=its-mail\n",
		"10.20.8.0/24 inbound ticket=NET-1188 owner=physics-it "
		"expires=2027-06-30\n"
		"10.20.1.25 both ticket=NET-1001 owner=its-mail\n",
		"10.20.8.0/24 inbound ticket=NET-1187 owner=physics "
		"expires=2027-06-30\n"
		"10.20.1.25 both ticket=NET-1001 owner=its-mail\n",
		"10.20.8.0/25 inbound ticket=NET-1187 owner=physics-it "
		"expires=2027-06-30\n"
		"10.20.1.25 both ticket=NET-1001 owner=its-mail\n",
		"10.20.1.25 both ticket=NET-1001 owner=its-mail\n",
		"",
	};
	struct tmpdir	 d;
	char		 want[SHA256_HEXLEN], got[SHA256_HEXLEN];

	tmpdir_new(&d);
	/*
	 * printf '10.20.1.25/32\tboth\t-\tNET-1001\tits-mail\n10.20.8.0/24\t
	 * inbound\t2027-06-30\tNET-1187\tphysics-it\n' | sha256sum
	 */
	list_hash(&d, same[0], want);
	assert_string_equal(want, "a4da46cd5a04e6c1ab770330954aafa84cf34a2b0"
	    "29a739df4cfde431c6c7f60");
	for (size_t i = 1; i < NELEM(same); i++) {
		list_hash(&d, same[i], got);
		assert_string_equal(got, want);
	}
	for (size_t i = 0; i < NELEM(other); i++) {
		list_hash(&d, other[i], got);
		if (strcmp(got, want) == 0)
			fail_msg("other[%zu] hashes as the base list", i);
	}
	list_hash(&d, "", got);
	assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e464"
	    "9b934ca495991b7852b855");
	tmpdir_rm(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_list_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
