// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantctl: the operator's client for tenantd's control socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

int main(int argc, char **argv)
{
	return EXIT_FAILURE;
}
