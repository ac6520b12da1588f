/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control API's handlers beyond plain reports, which the route table
 * (routes.c) names: each answers one request of an authorized caller. */
#ifndef TENANTD_HANDLERS_H
#define TENANTD_HANDLERS_H

#include "api/request.h"

/* GET /v1/tenants/{name} */
enum MHD_Result handle_tenant(const struct request *request);
/* GET /v1/who?pid=N */
enum MHD_Result handle_who(const struct request *request);
/* POST /v1/reload */
enum MHD_Result handle_reload(const struct request *request);
/* PUT /v1/tenants/{name} */
enum MHD_Result handle_put(const struct request *request);
/* DELETE /v1/tenants/{name}[?purge=1] */
enum MHD_Result handle_delete(const struct request *request);

#endif /* TENANTD_HANDLERS_H */
