export const handler = async () => 'src/nested';
