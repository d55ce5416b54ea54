export function registerToChar(): void {}
