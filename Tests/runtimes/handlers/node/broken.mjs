export const handler = async () => {
  return ];
};
