export * from "./primitives";
export * from "./network";
export * from "./schema";
export * from "./load";
export * from "./crossStack";
export * from "./environments";
export * from "./baseline";
