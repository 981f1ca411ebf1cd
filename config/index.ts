export * from "./schema";
export * from "./load";
export * from "./crossStack";
export * from "./baseline";
