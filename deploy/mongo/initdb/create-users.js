// Run once by the mongo image's entrypoint, as root, when the data directory is empty.
// Each NSCL service gets a user of its own that reads and writes its own database only, so a service (or
// whoever holds its password) cannot touch another service's event store. Reporting also fills projection
// databases whose names a rebuild chooses (nscl_reporting_rebuild_<time>), which MongoDB cannot grant by
// prefix: its user may read and write any database (see the README's security section).
const admin = db.getSiblingDB("admin");
const own = (service) => [{ role: "readWrite", db: `nscl_${service}` }];
const users = {
  registry: own("registry"),
  support: own("support"),
  training: own("training"),
  reporting: [{ role: "readWriteAnyDatabase", db: "admin" }],
};
for (const [service, roles] of Object.entries(users)) {
  const password = process.env[`NSCL_MONGO_${service.toUpperCase()}_PASSWORD`];
  if (!password) {
    throw new Error(`NSCL_MONGO_${service.toUpperCase()}_PASSWORD is not set`);
  }
  admin.createUser({ user: service, pwd: password, roles });
}
