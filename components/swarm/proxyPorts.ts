/** Where LiteLLM listens inside its container (the image's default) and where config.yaml is mounted. */
export const PROXY_CONTAINER_PORT = 4000;
export const PROXY_CONFIG_PATH = "/app/config.yaml";
/** Where HAProxy listens inside the front door's container (above 1024: the image runs as user haproxy). */
export const FRONT_DOOR_CONTAINER_PORT = 8080;
export const FRONT_DOOR_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";
export const REDIS_PORT = 6379;
export const POSTGRES_PORT = 5432;
